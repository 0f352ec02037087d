"""Every page the gateway serves. Each page route also takes a `?refresh-token=` handoff."""

from __future__ import annotations

from aiohttp import web

from . import handlers, lifecycle, signup
from .assets import asset, favicon
from .handoff import exchanges_refresh_token

PAGES = [
    ("/", handlers.home),
    ("/login", handlers.login),
    ("/account", handlers.account),
    ("/account/profile", lifecycle.account_profile),
    ("/account/delete", lifecycle.account_delete),
    ("/organization/{orgId}/settings", handlers.organization_settings),
    ("/organization/{orgId}/integrations", handlers.organization_integrations),
    # account self-service (docs/api.md §7): the scripts call the JSON APIs
    ("/forgot-password", handlers.forgot_password),
    ("/reset-password", handlers.reset_password),
    ("/verify-email", handlers.verify_email),
    # the account's life: sign-up, and the email-change link
    ("/signup", signup.signup),
    ("/confirm-email-change", signup.confirm_email_change),
    ("/organization/{orgId}/activity", handlers.organization_activity),
]


def page_routes() -> list[web.RouteDef]:
    routes = [web.get(path, exchanges_refresh_token(handler), allow_head=True) for path, handler in PAGES]
    routes.append(web.get("/assets/{name}", asset))
    routes.append(web.get("/favicon.ico", favicon))
    return routes
