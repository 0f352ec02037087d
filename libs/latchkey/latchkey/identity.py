"""Who is calling a service: the principal the gateway signed, or another service's token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from .errors import Unauthenticated
from .tokens import IDENTITY_HEADER, Principal, TokenVerifier

PRINCIPAL_KEY = web.RequestKey("latchkey.principal", Principal)
VERIFIER = web.AppKey("token_verifier", TokenVerifier)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def identity_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Trust only the gateway-signed identity header; a bad one is 401, never anonymous."""
    token = request.headers.get(IDENTITY_HEADER)
    if token is not None:
        request[PRINCIPAL_KEY] = request.app[VERIFIER].principal(token)
    return await handler(request)


def principal_of(request: web.Request) -> Principal:
    principal = request.get(PRINCIPAL_KEY)
    if principal is None:
        raise Unauthenticated()
    return principal


def require_service(request: web.Request, *issuers: str) -> str:
    """Authenticate a service-to-service call; returns the calling service."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Internal routes need a service token.", code="invalid_internal_token")
    claims = request.app[VERIFIER].verify(token, issuers=issuers)
    return claims["iss"].removeprefix("latchkey:")
