"""Every route of the oidc-link service, in one table (the format of `latchkey.routing`).

Who may call each is the gateway's policy table (the provider list, the
callback and the sign-in start are public; the rest need an interactive
session); the internal route names the service whose token it accepts.
Fixed paths come before `/{issuer}` so they win.
"""

from __future__ import annotations

from latchkey.routing import Route, internal

from . import handlers

SSO = "/api/v1/sso"

ROUTES: list[Route] = [
    Route("GET", "/openapi.json", handlers.openapi),  # merged by the gateway into /api/openapi.json
    Route("GET", SSO + "/providers", handlers.list_providers),
    Route("GET", SSO + "/callback", handlers.callback),
    Route("POST", SSO, handlers.start_link),
    Route("GET", SSO, handlers.list_links),
    Route("GET", SSO + "/{issuer}/login", handlers.start_login),
    Route("GET", SSO + "/{issuer}", handlers.get_link),
    Route("DELETE", SSO + "/{issuer}", handlers.delete_link),
    internal("DELETE", r"/internal/users/{userid:\d+}/links", handlers.forget_user, "session"),  # account deletion
]
