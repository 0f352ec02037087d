"""CORS for browser apps on other origins, from the operator's allow-list (`CORS_ALLOWED_ORIGINS`).

Only routes of the policy table take part, and only for origins listed exactly:
a listed origin gets `Access-Control-Allow-Origin` (its own origin, never `*`)
with credentials allowed; any other origin gets no CORS header at all, so the
browser keeps the answer from the page and learns nothing more. Preflights are
answered here, for a method the route table really routes at that path.

Server-to-server routes (the organization key) are never offered to browsers:
a page that could call them would have to carry the key for every visitor to read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web

from latchkey.settings import SettingsError
from latchkey.middlewares import Handler

from .access import origin_of
from .policy import Access, RoutePolicy

# Answers a page may read besides the CORS-safelisted ones: the id to quote to
# support, and how long to wait after a 429 or 503.
EXPOSED_HEADERS = "X-Request-ID, Retry-After"
# Short, so a route removed from the table or an origin struck off the list
# stops being allowed soon (Chromium caps the cache at 2 hours anyway).
MAX_AGE_SECONDS = 600
# What a preflight's answer depends on, for caches between us and the browser.
_PREFLIGHT_VARY = ("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")
RouteIndex = Mapping[tuple[str, str], RoutePolicy]  # (method or "*", canonical aiohttp path) → its policy (routes.py)
ROUTE_INDEX = web.AppKey("gateway_route_index", dict)


def parse_allowed_origins(variable: str, value: str | None) -> tuple[str, ...]:
    """`https://app.example.com,http://localhost:3000`: exact origins, each checked, in a canonical form."""
    if value is None or not value.strip():
        return ()
    try:
        return canonical_origins(item.strip() for item in value.split(",") if item.strip())
    except ValueError as problem:
        raise SettingsError(variable, str(problem)) from None


def canonical_origins(entries: Iterable[str]) -> tuple[str, ...]:
    """Each entry checked and made canonical (`origin_of`), duplicates dropped; ValueError names a bad one."""
    return tuple(dict.fromkeys(_canonical_origin(entry) for entry in entries))


def _canonical_origin(entry: str) -> str:
    if "*" in entry:
        raise ValueError(f"{entry!r}: wildcards are not allowed (answers carry credentials); list each origin")
    try:
        parts = urlsplit(entry)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        raise ValueError(f"{entry!r} is not an origin like https://app.example.com") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or entry.endswith(("?", "#"))
    ):
        raise ValueError(f"{entry!r} is not an origin like https://app.example.com (scheme, host, optional port; no path)")
    canonical = origin_of(entry)
    assert canonical is not None  # scheme and host were checked above
    return canonical


@dataclass(frozen=True, slots=True)
class CorsRules:
    """Which origins may call which route, from a browser, with the user's credentials."""

    allowed_origins: frozenset[str]  # canonical (`origin_of`) forms

    @classmethod
    def from_list(cls, origins: Iterable[str]) -> CorsRules:
        return cls(frozenset(origin_of(origin) or origin for origin in origins))

    def origins_for(self, policy: RoutePolicy) -> frozenset[str]:
        """The route's own list (an operator route's `cors_origins`) or the gateway's; none for org-key routes."""
        if policy.access is Access.ORG_KEY:
            return frozenset()
        if policy.cors_origins is not None:
            return policy.cors_origins
        return self.allowed_origins

    def allows(self, policy: RoutePolicy, origin: str) -> bool:
        canonical = origin_of(origin)
        return canonical is not None and canonical in self.origins_for(policy)


def policy_of(index: RouteIndex, match_info: web.UrlMappingMatchInfo, method: str) -> RoutePolicy | None:
    resource = match_info.route.resource
    if resource is None:
        return None
    found = index.get((method, resource.canonical))
    return found if found is not None else index.get(("*", resource.canonical))  # a route of any method


def cors_middleware(rules: CorsRules):
    """Answer preflights; add the CORS headers to the answers of routes a listed origin may call."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        index: RouteIndex = request.app[ROUTE_INDEX]
        origin = request.headers.get("Origin")
        if origin is not None and request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return await _preflight(request, index, rules, origin)
        response = await handler(request)
        policy = policy_of(index, request.match_info, request.method)
        if policy is None or response.prepared:
            return response
        _add_vary(response.headers, ("Origin",))
        if origin is not None and rules.allows(policy, origin):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response

    return middleware


async def _preflight(request: web.Request, index: RouteIndex, rules: CorsRules, origin: str) -> web.Response:
    """204 either way; only an allowed (origin, route, method) carries the headers that let the browser go on."""
    method = request.headers["Access-Control-Request-Method"]
    response = web.Response(status=204)
    _add_vary(response.headers, _PREFLIGHT_VARY)
    # The router built from the policy table decides: the route the real request would reach.
    match_info = await request.app.router.resolve(request.clone(method=method))
    policy = policy_of(index, match_info, method)
    if policy is None or not rules.allows(policy, origin):
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Credentials"] = "true"
    response.headers["Access-Control-Allow-Methods"] = method
    requested_headers = request.headers.get("Access-Control-Request-Headers")
    if requested_headers:
        # Which headers a route reads is the route's business (an operator's upstream may want its own).
        response.headers["Access-Control-Allow-Headers"] = requested_headers
    response.headers["Access-Control-Max-Age"] = str(MAX_AGE_SECONDS)
    return response


def _add_vary(headers, names: tuple[str, ...]) -> None:
    present = [value.strip() for value in headers.get("Vary", "").split(",") if value.strip()]
    lowered = {value.lower() for value in present}
    if "*" in lowered:
        return
    present += [name for name in names if name.lower() not in lowered]
    headers["Vary"] = ", ".join(present)
