"""Every route of the org-provisioning service, in one table (the format of `latchkey.routing`).

Who may call the public routes is the gateway's policy table; the handlers
then check the organization: `org key` = the organization's API key for the
path's org; `reader` = org key, or an interactive session of an ADMIN of the
org (or a platform admin); `admin` = that interactive session only. Internal
routes name the services whose token they accept.
"""

from __future__ import annotations

from latchkey.routing import Route, internal

from . import handlers

ORG = "/api/organization/{orgId}"
USER = ORG + "/user/{userName}"

ROUTES: list[Route] = [
    Route("POST", USER + "/update", handlers.update_user),  # org key
    Route("POST", USER + "/generate-token", handlers.generate_token),  # org key
    Route("GET", ORG + "/users", handlers.list_users),  # reader
    Route("GET", USER, handlers.get_user),  # reader
    Route("DELETE", USER, handlers.delete_user),  # org key
    Route("GET", "/api/organizations/mine", handlers.my_organization),  # any user
    Route("GET", ORG + "/settings", handlers.get_settings),  # admin
    Route("PATCH", ORG + "/settings", handlers.patch_settings),  # admin
    Route("GET", ORG + "/integrations", handlers.get_integrations),  # admin
    Route("POST", ORG + "/integrations/api-key", handlers.rotate_api_key),  # admin
    Route("GET", ORG + "/events", handlers.list_events),  # admin
    Route("POST", "/api/auth/refresh-token", handlers.exchange_refresh_token),  # public
    Route("GET", "/openapi.json", handlers.openapi_document),  # merged by the gateway into /api/openapi.json
    internal("POST", "/internal/org-keys/verify", handlers.internal_verify_org_key, "gateway"),
    internal("GET", "/internal/organizations/{orgId}", handlers.internal_get_organization, "gateway"),
    internal("GET", r"/internal/organizations/by-id/{id:\d{1,18}}", handlers.internal_get_organization_by_id, "session"),
    internal("POST", "/internal/refresh-tokens/exchange", handlers.internal_exchange_refresh_token, "gateway"),
]
