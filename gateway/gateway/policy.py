"""Every route the gateway protects, in one table: who owns it and who may call it.

Reading this file tells you each endpoint of docs/api.md §2–§4, its method, the
service the gateway forwards it to, the credentials it accepts and the error
envelope of its family. The operator's own routes (docs/api.md §6, read from
`GATEWAY_ROUTES_FILE` by `routes_file.py`) are rows of the same `RoutePolicy`
type and join this table at start (`policy_table`); the gateway's proxy and
`/auth/verify` both decide from it, so nothing about an operator route is
special-cased elsewhere. Anything under `/api/` that is not listed is a 404;
`/internal/` is never routed; `RESERVED` paths are the gateway's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from latchkey.errors import Envelope
from latchkey.tokens import ISSUER_PREFIX

SESSION = "session"
ORG_PROVISIONING = "org-provisioning"
OIDC_LINK = "oidc-link"
SERVICES = (SESSION, ORG_PROVISIONING, OIDC_LINK)
ANY_METHOD = "*"


class Access(Enum):
    PUBLIC = "public"  # no credential needed; a valid one is still forwarded
    USER = "user"  # any user credential (session, Basic, API key)
    NO_API_KEY = "no_api_key"  # sensitive: a user, but never by API key
    ORG_KEY = "org_key"  # server-to-server: x-org-id + x-api-key of that organization


@dataclass(frozen=True, slots=True)
class RoutePolicy:
    method: str  # an HTTP method, or "*" for any
    path: str  # aiohttp route syntax; `{orgId}` is checked against the org key
    service: str  # a built-in service, or an upstream of the routes file
    access: Access
    permission: str | None = None  # a permission the principal must carry (`oauth`)
    roles: frozenset[str] = frozenset()  # when set, the principal's role must be one of these
    prefix: bool = False  # `path` and everything under it (`/devices`, `/devices/...`)
    strip_prefix: bool = False  # forward only what follows the prefix
    identity_headers: bool = False  # also send plain X-Latchkey-User/-Org/-Role/-Auth upstream
    errors: Envelope | None = None  # the error envelope; None: by family (`/api/1/` account, else problem+json)
    trailing_slash: bool | None = None  # serve `/x/` as `/x`; None: as the family does (the account API)
    cors_origins: frozenset[str] | None = None  # canonical origins browsers may call it from; None: CORS_ALLOWED_ORIGINS

    @property
    def envelope(self) -> Envelope:
        if self.errors is not None:
            return self.errors
        return Envelope.ACCOUNT if self.path.startswith("/api/1/") else Envelope.PROBLEM

    @property
    def accepts_trailing_slash(self) -> bool:
        if self.trailing_slash is not None:
            return self.trailing_slash and not self.prefix
        return self.envelope is Envelope.ACCOUNT and not self.prefix

    @property
    def audience(self) -> str:
        """The identity JWT's `aud`: `latchkey:<service>` inside, the bare upstream name for the operator's."""
        return ISSUER_PREFIX + self.service if self.service in SERVICES else self.service

ORG = "/api/organization/{orgId}"
SSO = "/api/v1/sso"

POLICIES: tuple[RoutePolicy, ...] = (
    # Account API (docs/api.md §2), owned by session.
    RoutePolicy("POST", "/api/1/auth/session", SESSION, Access.PUBLIC),
    RoutePolicy("GET", "/api/1/auth/session", SESSION, Access.USER),
    RoutePolicy("DELETE", "/api/1/auth/session", SESSION, Access.USER),
    RoutePolicy("DELETE", "/api/1/auth/sessions", SESSION, Access.USER),
    RoutePolicy("GET", "/api/1/users/me", SESSION, Access.USER),
    RoutePolicy("PATCH", "/api/1/users/me", SESSION, Access.NO_API_KEY),
    RoutePolicy("DELETE", "/api/1/users/me", SESSION, Access.NO_API_KEY),
    RoutePolicy("POST", "/api/1/users", SESSION, Access.PUBLIC),  # sign-up (SIGNUP_ENABLED)
    RoutePolicy("POST", "/api/1/users/me/email", SESSION, Access.NO_API_KEY),
    RoutePolicy("POST", "/api/1/auth/email-change/confirm", SESSION, Access.PUBLIC),
    RoutePolicy("GET", "/api/1/users/me/apikey", SESSION, Access.NO_API_KEY),
    RoutePolicy("POST", "/api/1/users/me/apikey", SESSION, Access.NO_API_KEY),
    RoutePolicy("PUT", "/api/1/users/me/password", SESSION, Access.NO_API_KEY),
    # Two-factor (docs/api.md §8): the login's second step is public; changing factors needs an interactive session.
    RoutePolicy("POST", "/api/1/auth/session/mfa", SESSION, Access.PUBLIC),
    RoutePolicy("GET", "/api/1/users/me/mfa", SESSION, Access.USER),
    RoutePolicy("POST", "/api/1/users/me/mfa/totp", SESSION, Access.NO_API_KEY, "oauth"),
    RoutePolicy("POST", "/api/1/users/me/mfa/totp/confirm", SESSION, Access.NO_API_KEY, "oauth"),
    RoutePolicy("DELETE", "/api/1/users/me/mfa/totp", SESSION, Access.NO_API_KEY, "oauth"),
    # Account self-service (docs/api.md §7), owned by session.
    RoutePolicy("POST", "/api/1/auth/password-reset", SESSION, Access.PUBLIC),
    RoutePolicy("POST", "/api/1/auth/password-reset/confirm", SESSION, Access.PUBLIC),
    RoutePolicy("POST", "/api/1/auth/email-verification/confirm", SESSION, Access.PUBLIC),
    RoutePolicy("POST", "/api/1/users/me/email/verification", SESSION, Access.USER),
    RoutePolicy("GET", "/api/1/auth/sessions", SESSION, Access.USER),
    RoutePolicy("DELETE", "/api/1/auth/sessions/{id}", SESSION, Access.USER),
    RoutePolicy("GET", "/api/1/users/me/events", SESSION, Access.USER),
    # Organization API (docs/api.md §3), owned by org-provisioning.
    RoutePolicy("POST", ORG + "/user/{userName}/update", ORG_PROVISIONING, Access.ORG_KEY),
    RoutePolicy("POST", ORG + "/user/{userName}/generate-token", ORG_PROVISIONING, Access.ORG_KEY),
    RoutePolicy("GET", ORG + "/users", ORG_PROVISIONING, Access.ORG_KEY),
    RoutePolicy("GET", ORG + "/user/{userName}", ORG_PROVISIONING, Access.ORG_KEY),
    RoutePolicy("DELETE", ORG + "/user/{userName}", ORG_PROVISIONING, Access.ORG_KEY),
    RoutePolicy("GET", "/api/organizations/mine", ORG_PROVISIONING, Access.USER),
    # Organization admin: an interactive session (the service checks the ADMIN role).
    RoutePolicy("GET", ORG + "/settings", ORG_PROVISIONING, Access.NO_API_KEY, "oauth"),
    RoutePolicy("PATCH", ORG + "/settings", ORG_PROVISIONING, Access.NO_API_KEY, "oauth"),
    RoutePolicy("GET", ORG + "/integrations", ORG_PROVISIONING, Access.NO_API_KEY, "oauth"),
    RoutePolicy("POST", ORG + "/integrations/api-key", ORG_PROVISIONING, Access.NO_API_KEY, "oauth"),
    RoutePolicy("GET", ORG + "/events", ORG_PROVISIONING, Access.NO_API_KEY, "oauth"),
    RoutePolicy("POST", "/api/auth/refresh-token", ORG_PROVISIONING, Access.PUBLIC),
    # SSO API (docs/api.md §4), owned by oidc-link: interactive sessions only, but for
    # the provider list, the provider's redirect and the sign-in start.
    RoutePolicy("GET", SSO + "/providers", OIDC_LINK, Access.PUBLIC),
    RoutePolicy("GET", SSO + "/callback", OIDC_LINK, Access.PUBLIC),
    RoutePolicy("GET", SSO + "/{issuer}/login", OIDC_LINK, Access.PUBLIC),
    RoutePolicy("POST", SSO, OIDC_LINK, Access.NO_API_KEY, "oauth"),
    RoutePolicy("GET", SSO, OIDC_LINK, Access.NO_API_KEY, "oauth"),
    RoutePolicy("GET", SSO + "/{issuer}", OIDC_LINK, Access.NO_API_KEY, "oauth"),
    RoutePolicy("DELETE", SSO + "/{issuer}", OIDC_LINK, Access.NO_API_KEY, "oauth"),
)


# The gateway's own endpoints and pages (routes.py, pages/routes.py): never an operator's.
# tests/routes/test_routes_file.py checks that every path the gateway serves itself is covered here.
RESERVED: tuple[RoutePolicy, ...] = tuple(
    RoutePolicy(ANY_METHOD, path, "gateway", Access.PUBLIC, prefix=prefix)
    for path, prefix in (
        ("/", False), ("/login", True), ("/account", True), ("/organization", True), ("/assets", True),
        ("/signup", True), ("/forgot-password", True), ("/reset-password", True), ("/verify-email", True),
        ("/confirm-email-change", True), ("/favicon.ico", False),
        ("/healthz", False), ("/readyz", False), ("/metrics", False), ("/api/openapi.json", False),
        ("/auth", True), ("/.well-known", True), ("/internal", True),
    )
)


def policy_table(operator_routes: Iterable[RoutePolicy] = ()) -> tuple[RoutePolicy, ...]:
    """Built-in routes first, then the operator's; a clash is refused (the routes file reports it first)."""
    operator_routes = tuple(operator_routes)
    for route in operator_routes:
        clash = builtin_overlap(route)
        if clash is not None:
            raise ValueError(f"{route.method} {route.path} overlaps the built-in route {clash.method} {clash.path}")
    return POLICIES + operator_routes


def builtin_overlap(route: RoutePolicy) -> RoutePolicy | None:
    """The built-in route (or gateway path) that some request could match as well as `route`."""
    return next((builtin for builtin in POLICIES + RESERVED if overlaps(route, builtin)), None)


def overlaps(a: RoutePolicy, b: RoutePolicy) -> bool:
    """Whether one request (method and path) could match both routes.

    Compared segment by segment: a `{name}` segment matches any literal; a
    prefix route matches every path that starts with its segments.
    """
    if ANY_METHOD not in (a.method, b.method) and a.method != b.method:
        return False
    left, right = _segments(a.path), _segments(b.path)
    if not (a.prefix or b.prefix) and len(left) != len(right):
        return False
    if (a.prefix and not b.prefix and len(right) < len(left)) or (b.prefix and not a.prefix and len(left) < len(right)):
        return False
    return all(x == y or "{" in x or "{" in y for x, y in zip(left, right))


def _segments(path: str) -> list[str]:
    trimmed = path.strip("/")
    return trimmed.split("/") if trimmed else []


# The router parameter holding what follows a prefix route's prefix (`/devices/{latchkey_rest:.*}`).
PREFIX_REST = "latchkey_rest"


def router_paths(policy: RoutePolicy) -> tuple[str, ...]:
    """The aiohttp paths that serve one policy: a prefix is itself and everything under it."""
    if policy.prefix:
        base = policy.path.rstrip("/")
        return (base or "/", base + "/{" + PREFIX_REST + ":.*}")
    if policy.accepts_trailing_slash:
        return (policy.path, policy.path + "/")
    return (policy.path,)


def registration_order(policies: Iterable[RoutePolicy]) -> list[RoutePolicy]:
    """Exact paths before prefixes: aiohttp tries longer static parts first, then in this order."""
    return sorted(policies, key=lambda policy: policy.prefix)
