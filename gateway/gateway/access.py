"""Deciding whether an authenticated request may reach its route (docs/api.md §1 rules).

The route's `RoutePolicy` says what it needs; the `Authentication` says who
is calling and how. Refusals are typed errors rendered in the route's family
envelope.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from aiohttp import web

from latchkey.client_address import resolved
from latchkey.errors import CsrfRejected, Forbidden, ForbiddenAuthMethod, Unauthenticated
from latchkey.security_events import Client

from .authentication import Authentication, Authenticator
from .credentials import Credential
from .policy import Access, RoutePolicy

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """`scheme://host:port` of a URL, with the default port made explicit; None when it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname or port is None:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6, which urlsplit hands back without its brackets
        host = f"[{host}]"
    return f"{parts.scheme.lower()}://{host}:{port}"


async def admit(
    authenticator: Authenticator,
    policy: RoutePolicy,
    credentials: tuple[Credential, ...],
    request: web.Request,
    trusted_origins: frozenset[str],
    path_params: Mapping[str, str],
) -> Authentication | None:
    """The one decision of the proxy and of /auth/verify: who is calling, and may they call this route."""
    # As received: only a Basic check that misses the cache sends it on, and session cleans it (Client.from_json).
    client = Client(address=resolved(request), user_agent=request.headers.get("User-Agent"))
    if policy.access is Access.PUBLIC:
        auth = await authenticator.attempt(credentials, client)
    else:
        auth = await authenticator.authenticate(credentials, client)
    return authorize(policy, auth, request, trusted_origins, path_params)


def authorize(
    policy: RoutePolicy,
    auth: Authentication | None,
    request: web.Request,
    trusted_origins: frozenset[str],
    path_params: Mapping[str, str] | None = None,
) -> Authentication | None:
    """The authentication to forward, or the typed refusal of this route's policy.

    `trusted_origins` (canonical, see `origin_of`) are the pages whose cookie-borne
    state changes are the user's own: the public URL's and the CORS allow-list's.
    `request` gives the method and headers; `path_params` the route's parameters
    (by default the request's own match; /auth/verify matches the original path).
    """
    if policy.access is Access.PUBLIC:
        # A public route needs nobody; a cross-site cookie is simply not vouched for.
        return None if auth is not None and _cross_site_cookie(auth, request, trusted_origins) else auth
    if auth is None:
        raise Unauthenticated()
    principal = auth.principal
    if policy.access is Access.ORG_KEY:
        if not principal.is_org_key:
            raise ForbiddenAuthMethod("This endpoint needs the organization's API key.")
        # An operator's org_key route without `{orgId}` takes any organization's key (the JWT names it).
        params = request.match_info if path_params is None else path_params
        if "{orgId}" in policy.path and params.get("orgId") != auth.org_slug:
            raise Forbidden("The organization key belongs to another organization.", code="forbidden_organization")
        return auth
    if principal.is_org_key:
        raise ForbiddenAuthMethod("An organization key cannot be used here.")
    if policy.access is Access.NO_API_KEY and principal.is_api_key:
        raise ForbiddenAuthMethod()
    if policy.permission is not None and policy.permission not in principal.perms:
        # Permissions come from how the user signed in (only interactive logins carry `oauth`).
        raise ForbiddenAuthMethod("This endpoint needs an interactive sign-in.")
    if policy.roles and principal.role not in policy.roles:
        raise Forbidden("Your role does not allow this.", code="forbidden_role")
    if _cross_site_cookie(auth, request, trusted_origins):
        raise CsrfRejected()
    return auth


def _cross_site_cookie(auth: Authentication, request: web.Request, trusted_origins: frozenset[str]) -> bool:
    """A state-changing request vouched for only by the ambient cookie, from a page we do not trust."""
    if not auth.cookie_only or request.method not in STATE_CHANGING:
        return False
    source = request.headers.get("Origin") or request.headers.get("Referer")
    return not source or origin_of(source) not in trusted_origins
