"""The gateway's route table: its own endpoints, then every route of the policy table it forwards."""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from latchkey.health import healthz, public_readyz

from . import handlers
from .cors import ROUTE_INDEX, CorsRules
from .policy import RoutePolicy, registration_order, router_paths
from .settings import Settings


def setup_routes(
    app: web.Application, settings: Settings, cors: CorsRules, policies: Iterable[RoutePolicy], reachable: set[str]
) -> None:
    """`policies`: the one table (built-in and operator routes); `reachable`: the upstreams the gateway forwards to."""
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", public_readyz)  # the detail, and /metrics, are on METRICS_PORT (operations.py)
    app.router.add_get("/api/openapi.json", handlers.openapi_document)
    app.router.add_get("/.well-known/jwks.json", handlers.jwks)
    # Forward auth: the proxy names the original request in headers, or (Envoy) appends its path.
    verify = handlers.verifier(settings.common.public_url, cors)
    app.router.add_route("*", "/auth/verify", verify)
    app.router.add_route("*", "/auth/verify/{original:.*}", verify)
    # Compiled once here: aiohttp indexes plain paths in a dict and tries dynamic
    # ones by prefix, so `/api/v1/sso/providers` wins over `/api/v1/sso/{issuer}`.
    index = {}
    for policy in registration_order(policies):
        if policy.service not in reachable:
            continue  # only another proxy reaches this upstream; /auth/verify still judges its routes
        handler = handlers.proxy(policy, settings.common.public_url, cors)
        for path in router_paths(policy):
            route = app.router.add_route(policy.method, path, handler)
            index[(policy.method, route.resource.canonical)] = policy  # type: ignore[union-attr]
    # CORS and its preflights look a matched route up here: the same table, nothing beside it.
    app[ROUTE_INDEX] = index
    # A plain path answers 405 for its other methods rather than falling through to a template
    # (`DELETE /api/v1/sso/providers` is not `DELETE /api/v1/sso/{issuer}`); plain paths are tried first.
    for path in sorted({canonical for _method, canonical in index if "{" not in canonical}):
        app.router.add_route("*", path, handlers.unknown_api_route)
    # Anything else under /api/ is a 404 in its family's envelope (never a page).
    app.router.add_route("*", "/api/{tail:.*}", handlers.unknown_api_route)
