"""HTTP in and out for the gateway's own routes; the work is in the modules they call."""

from __future__ import annotations

from aiohttp import web

from latchkey.errors import NotFound
from latchkey.identity import PRINCIPAL_KEY, Handler

from .access import authorize, origin_of
from .cors import CorsRules
from .credentials import read_inbound
from .forwarding import forward
from .keys import AUTHENTICATOR, IDENTITY_TOKENS, ROUTE_POLICY, SETTINGS, UPSTREAMS
from .openapi import combined_document
from .policy import Access, RoutePolicy


def proxy(policy: RoutePolicy, public_url: str, cors: CorsRules) -> Handler:
    """The handler of one public API route: authenticate, authorize, forward."""
    trusted_origins = frozenset({origin_of(public_url) or ""}) | cors.origins_for(policy)
    public = policy.access is Access.PUBLIC

    async def handler(request: web.Request) -> web.StreamResponse:
        request[ROUTE_POLICY] = policy
        app = request.app
        max_body = app[SETTINGS].max_body_bytes
        inbound = await read_inbound(request, max_body)
        authenticator = app[AUTHENTICATOR]
        if public:
            auth = await authenticator.attempt(inbound.credentials, request.remote)
        else:
            auth = await authenticator.authenticate(inbound.credentials, request.remote)
        auth = authorize(policy, auth, request, trusted_origins)
        token = None
        if auth is not None:
            request[PRINCIPAL_KEY] = auth.principal
            token = app[IDENTITY_TOKENS].token(auth.principal, policy.service)
        return await forward(request, app[UPSTREAMS][policy.service], policy, inbound, token, max_body)

    return handler


async def unknown_api_route(_request: web.Request) -> web.Response:
    raise NotFound("No such API route.")


async def openapi_document(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    document = await combined_document(list(request.app[UPSTREAMS].values()), settings.common.public_url)
    return web.json_response(document)
