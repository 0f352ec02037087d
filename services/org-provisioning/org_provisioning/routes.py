"""Every route of the org-provisioning service, in one table.

Auth column: `org key` = the organization's API key for the path's org;
`reader` = org key, or an interactive session of an ADMIN of the org (or a
platform admin); `admin` = that interactive session only; `gateway` = the
gateway's service token (internal routes, never routed publicly).
"""

from __future__ import annotations

from aiohttp import web

from . import handlers

ORG = "/api/organization/{orgId}"
USER = ORG + "/user/{userName}"

ROUTES = [
    web.post(USER + "/update", handlers.update_user),  # org key
    web.post(USER + "/generate-token", handlers.generate_token),  # org key
    web.get(ORG + "/users", handlers.list_users),  # reader
    web.get(USER, handlers.get_user),  # reader
    web.delete(USER, handlers.delete_user),  # org key
    web.get("/api/organizations/mine", handlers.my_organization),  # any user
    web.get(ORG + "/settings", handlers.get_settings),  # admin
    web.patch(ORG + "/settings", handlers.patch_settings),  # admin
    web.get(ORG + "/integrations", handlers.get_integrations),  # admin
    web.post(ORG + "/integrations/api-key", handlers.rotate_api_key),  # admin
    web.get(ORG + "/events", handlers.list_events),  # admin
    web.post("/api/auth/refresh-token", handlers.exchange_refresh_token),  # public
    web.get("/openapi.json", handlers.openapi_document),  # public
    web.post("/internal/org-keys/verify", handlers.internal_verify_org_key),  # gateway
    web.get("/internal/organizations/{orgId}", handlers.internal_get_organization),  # gateway
    web.post("/internal/refresh-tokens/exchange", handlers.internal_exchange_refresh_token),  # gateway
]
