"""Every public API route, in one table: who owns it and who may call it.

Reading this file tells you each endpoint of SPEC.md §2–§4, its method, the
service the gateway forwards it to, the credentials it accepts and the error
envelope of its family. Anything under `/api/` that is not listed here is a
404; `/internal/` is never routed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from latchkey.errors import Envelope

SESSION = "session"
ORG_PROVISIONING = "org-provisioning"
OIDC_LINK = "oidc-link"
SERVICES = (SESSION, ORG_PROVISIONING, OIDC_LINK)


class Access(Enum):
    PUBLIC = "public"  # no credential needed; a valid one is still forwarded
    USER = "user"  # any user credential (session, Basic, API key)
    NO_API_KEY = "no_api_key"  # sensitive: a user, but never by API key
    ORG_KEY = "org_key"  # server-to-server: x-org-id + x-api-key of that organization


@dataclass(frozen=True, slots=True)
class RoutePolicy:
    method: str
    path: str  # aiohttp route syntax; `{orgId}` is checked against the org key
    service: str
    access: Access
    permission: str | None = None  # a permission the principal must carry (`oauth`)

    @property
    def envelope(self) -> Envelope:
        return Envelope.ACCOUNT if self.path.startswith("/api/1/") else Envelope.PROBLEM

    @property
    def accepts_trailing_slash(self) -> bool:
        return self.envelope is Envelope.ACCOUNT


P, U, S, K = Access.PUBLIC, Access.USER, Access.NO_API_KEY, Access.ORG_KEY
ORG = "/api/organization/{orgId}"
SSO = "/api/v1/sso"

POLICIES: tuple[RoutePolicy, ...] = (
    # Account API (SPEC §2), owned by session.
    RoutePolicy("POST", "/api/1/auth/session", SESSION, P),
    RoutePolicy("GET", "/api/1/auth/session", SESSION, U),
    RoutePolicy("DELETE", "/api/1/auth/session", SESSION, U),
    RoutePolicy("DELETE", "/api/1/auth/sessions", SESSION, U),
    RoutePolicy("GET", "/api/1/users/me", SESSION, U),
    RoutePolicy("PATCH", "/api/1/users/me", SESSION, S),
    RoutePolicy("DELETE", "/api/1/users/me", SESSION, S),
    RoutePolicy("GET", "/api/1/users/me/apikey", SESSION, S),
    RoutePolicy("POST", "/api/1/users/me/apikey", SESSION, S),
    RoutePolicy("PUT", "/api/1/users/me/password", SESSION, S),
    # Organization API (SPEC §3), owned by org-provisioning.
    RoutePolicy("POST", ORG + "/user/{userName}/update", ORG_PROVISIONING, K),
    RoutePolicy("POST", ORG + "/user/{userName}/generate-token", ORG_PROVISIONING, K),
    RoutePolicy("GET", ORG + "/users", ORG_PROVISIONING, K),
    RoutePolicy("GET", ORG + "/user/{userName}", ORG_PROVISIONING, K),
    RoutePolicy("DELETE", ORG + "/user/{userName}", ORG_PROVISIONING, K),
    # Organization admin: an interactive session (the service checks the ADMIN role).
    RoutePolicy("GET", ORG + "/settings", ORG_PROVISIONING, S, "oauth"),
    RoutePolicy("PATCH", ORG + "/settings", ORG_PROVISIONING, S, "oauth"),
    RoutePolicy("GET", ORG + "/integrations", ORG_PROVISIONING, S, "oauth"),
    RoutePolicy("POST", ORG + "/integrations/api-key", ORG_PROVISIONING, S, "oauth"),
    RoutePolicy("POST", "/api/auth/refresh-token", ORG_PROVISIONING, P),
    # SSO API (SPEC §4), owned by oidc-link: interactive sessions only, but for
    # the provider list, the provider's redirect and the sign-in start.
    RoutePolicy("GET", SSO + "/providers", OIDC_LINK, P),
    RoutePolicy("GET", SSO + "/callback", OIDC_LINK, P),
    RoutePolicy("GET", SSO + "/{issuer}/login", OIDC_LINK, P),
    RoutePolicy("POST", SSO, OIDC_LINK, S, "oauth"),
    RoutePolicy("GET", SSO, OIDC_LINK, S, "oauth"),
    RoutePolicy("GET", SSO + "/{issuer}", OIDC_LINK, S, "oauth"),
    RoutePolicy("DELETE", SSO + "/{issuer}", OIDC_LINK, S, "oauth"),
)
