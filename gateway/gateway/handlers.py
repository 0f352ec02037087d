"""HTTP in and out for the gateway's own routes; the work is in the modules they call."""

from __future__ import annotations

from aiohttp import web

from latchkey.errors import BadRequest, LatchkeyError, MethodNotAllowed, NotFound
from latchkey.identity import PRINCIPAL_KEY, Handler
from latchkey.tokens import IDENTITY_HEADER, Principal

from .access import admit, origin_of
from .cors import CorsRules
from .credentials import credentials_outside_body, read_inbound
from .forward_auth import InvalidOriginalRequest, NoMatchingRoute, is_browser, original_request, refusal
from .forwarding import forward
from .identity import plain_headers
from .matching import has_dot_segments
from .keys import AUTHENTICATOR, IDENTITY_TOKENS, JWKS, POLICY_MATCHER, ROUTE_POLICY, SETTINGS, UPSTREAMS
from .openapi import combined_document
from .policy import SERVICES, RoutePolicy


def proxy(policy: RoutePolicy, public_url: str, cors: CorsRules) -> Handler:
    """The handler of one route of the policy table: authenticate, authorize, forward."""
    trusted_origins = frozenset({origin_of(public_url) or ""}) | cors.origins_for(policy)

    async def handler(request: web.Request) -> web.StreamResponse:
        request[ROUTE_POLICY] = policy
        if has_dot_segments(request.rel_url.path):
            raise BadRequest("The path has dot segments.", code="invalid_path")
        app = request.app
        max_body = app[SETTINGS].max_body_bytes
        inbound = await read_inbound(request, max_body)
        auth = await admit(app[AUTHENTICATOR], policy, inbound.credentials, request, trusted_origins, request.match_info)
        identity = []
        if auth is not None:
            request[PRINCIPAL_KEY] = auth.principal
            identity = _identity(request.app, policy, auth.principal, plain=policy.identity_headers)
        return await forward(request, app[UPSTREAMS][policy.service], policy, inbound, identity, max_body)

    return handler


def verifier(public_url: str, cors: CorsRules) -> Handler:
    """Forward auth: 200 with the identity headers, or the route's 401/403 (see forward_auth.py)."""
    public_origin = frozenset({origin_of(public_url) or ""})

    async def verify(request: web.Request) -> web.Response:
        app = request.app
        original = original_request(request)
        try:
            asked = request.clone(method=original.method, rel_url=original.uri)
        except ValueError:  # not a URL yarl can read
            raise InvalidOriginalRequest() from None
        found = await app[POLICY_MATCHER].match(asked)
        if found is None:
            raise NoMatchingRoute()
        policy, path_params = found
        request[ROUTE_POLICY] = policy
        credentials = credentials_outside_body(asked)
        try:
            auth = await admit(app[AUTHENTICATOR], policy, credentials, asked, public_origin | cors.origins_for(policy), path_params)
        except LatchkeyError as error:
            if error.status not in (401, 403):
                raise
            browser = is_browser(asked, original.method)
            return refusal(error, policy.envelope, public_url=public_url, original=original, browser=browser)
        if auth is None:
            return web.Response(status=200)
        request[PRINCIPAL_KEY] = auth.principal
        return web.Response(status=200, headers=_identity(app, policy, auth.principal, plain=True))

    return verify


def _identity(app: web.Application, policy: RoutePolicy, principal: Principal, *, plain: bool) -> list[tuple[str, str]]:
    headers = [(IDENTITY_HEADER, app[IDENTITY_TOKENS].token(principal, policy.audience))]
    return headers + plain_headers(principal) if plain else headers


async def jwks(request: web.Request) -> web.Response:
    # Cached briefly: a verifier meeting an unknown `kid` fetches again (PyJWKClient, jose do).
    return web.json_response(request.app[JWKS], headers={"Cache-Control": "public, max-age=300"})


async def unknown_api_route(request: web.Request) -> web.Response:
    """404 for a path the route table does not know; 405 (with Allow) for a known path and another method."""
    allowed = await _methods_served_at(request)
    if allowed:
        raise MethodNotAllowed(allowed, "This route does not answer this method.")
    raise NotFound("No such API route.")


async def _methods_served_at(request: web.Request) -> set[str]:
    """The methods of the plain path that matches, else of the templates that do (catch-alls left out)."""
    plain: set[str] = set()
    templated: set[str] = set()
    for resource in request.app.router.resources():
        if any(route.method == "*" for route in resource):
            continue
        _match, allowed = await resource.resolve(request)
        (plain if resource.canonical == request.path else templated).update(allowed)
    return plain or templated


async def openapi_document(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    services = [request.app[UPSTREAMS][name] for name in SERVICES]
    document = await combined_document(services, settings.common.public_url, settings.operator_routes.policies)
    return web.json_response(document)
