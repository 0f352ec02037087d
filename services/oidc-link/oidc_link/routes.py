"""Every route of the oidc-link service. Auth: "public", "oauth" (interactive principal) or "service"."""

from __future__ import annotations

from aiohttp import web

from . import handlers

# (method, path, handler, auth) — fixed paths before /{issuer} so they win.
ROUTES = [
    ("GET", "/openapi.json", handlers.openapi, "public"),
    ("GET", "/api/v1/sso/providers", handlers.list_providers, "public"),
    ("GET", "/api/v1/sso/callback", handlers.callback, "public"),
    ("POST", "/api/v1/sso", handlers.start_link, "oauth"),
    ("GET", "/api/v1/sso", handlers.list_links, "oauth"),
    ("GET", "/api/v1/sso/{issuer}/login", handlers.start_login, "public"),
    ("GET", "/api/v1/sso/{issuer}", handlers.get_link, "oauth"),
    ("DELETE", "/api/v1/sso/{issuer}", handlers.delete_link, "oauth"),
    # internal (docs/internal-api.md), service tokens only: never routed by the gateway
    ("DELETE", r"/internal/users/{userid:\d+}/links", handlers.forget_user, "service"),
]


def setup_routes(app: web.Application) -> None:
    for method, path, handler, _auth in ROUTES:
        app.router.add_route(method, path, handler)
