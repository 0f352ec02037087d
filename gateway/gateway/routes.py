"""The gateway's route table: its own endpoints, then every API route of the policy table."""

from __future__ import annotations

from aiohttp import web

from latchkey.health import healthz, metrics, readyz

from . import handlers
from .cors import ROUTE_INDEX, CorsRules, route_index
from .policy import POLICIES
from .settings import Settings


def setup_routes(app: web.Application, settings: Settings, cors: CorsRules) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/api/openapi.json", handlers.openapi_document)
    # Compiled once here: aiohttp indexes plain paths in a dict and tries dynamic
    # ones by prefix, so `/api/v1/sso/providers` wins over `/api/v1/sso/{issuer}`.
    for policy in POLICIES:
        handler = handlers.proxy(policy, settings.common.public_url, cors)
        app.router.add_route(policy.method, policy.path, handler)
        if policy.accepts_trailing_slash:
            app.router.add_route(policy.method, policy.path + "/", handler)
    # CORS and its preflights look a matched route up here: the same table, nothing beside it.
    app[ROUTE_INDEX] = route_index(POLICIES)
    # Anything else under /api/ is a 404 in its family's envelope (never a page).
    app.router.add_route("*", "/api/{tail:.*}", handlers.unknown_api_route)
