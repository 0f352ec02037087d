"""Forwarding one request to its service and relaying the answer unchanged.

Upstream gets the request minus its credentials and minus any inbound copy of
an internal header, plus the identity JWT, the request id and the client's
address. The answer (status, headers including every Set-Cookie, redirects,
body bytes) comes back as the service sent it: small bodies in one write,
large or unsized ones streamed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from latchkey import logs
from latchkey.errors import BadGateway, GatewayTimeout, LatchkeyError, PayloadTooLarge
from latchkey.tokens import IDENTITY_HEADER

from .credentials import CREDENTIAL_PARAMS, Inbound, cookie_header_without_session
from .policy import RoutePolicy
from .upstreams import Upstream

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
)
# Credentials, what the gateway itself sets, and what aiohttp computes for the new request.
_NOT_FORWARDED = HOP_BY_HOP | frozenset(
    {"host", "content-length", "expect", "authorization", "x-api-key", "cookie",
     "x-real-ip", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-request-id"}
)
_INTERNAL_PREFIX = "x-latchkey-"
_NOT_RELAYED = HOP_BY_HOP | frozenset({"content-length"})
BUFFERED_RESPONSE_LIMIT = 256 * 1024
_CHUNK = 64 * 1024


def upstream_path(request: web.Request, policy: RoutePolicy) -> str:
    """The raw path and query to send: trailing slash folded, credential parameters removed."""
    url = request.rel_url
    path = url.raw_path
    if policy.accepts_trailing_slash and len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    if not url.raw_query_string:
        return path
    query = url.query
    if not any(name in query for name in CREDENTIAL_PARAMS):
        return path + "?" + url.raw_query_string
    kept = [(name, value) for name, value in query.items() if name not in CREDENTIAL_PARAMS]
    return path + "?" + urlencode(kept) if kept else path


def upstream_headers(request: web.Request, identity_token: str | None) -> CIMultiDict[str]:
    headers: CIMultiDict[str] = CIMultiDict()
    for name, value in request.headers.items():
        lowered = name.lower()
        if lowered not in _NOT_FORWARDED and not lowered.startswith(_INTERNAL_PREFIX):
            headers.add(name, value)
    cookie = request.headers.get("Cookie")
    if cookie:
        kept = cookie_header_without_session(cookie)
        if kept:
            headers["Cookie"] = kept
    # X-Real-IP is the peer we saw, whatever the client claimed; services rate-limit on it.
    peer = request.remote or ""
    headers["X-Real-IP"] = peer
    prior = request.headers.get("X-Forwarded-For")
    headers["X-Forwarded-For"] = f"{prior}, {peer}" if prior else peer
    headers["X-Forwarded-Proto"] = request.scheme
    headers["X-Forwarded-Host"] = request.host
    headers["X-Request-ID"] = logs.request_id.get() or ""
    if identity_token is not None:
        headers[IDENTITY_HEADER] = identity_token
    return headers


class LimitedStream:
    """The inbound body as it arrives, cut off past the size limit."""

    def __init__(self, content: aiohttp.StreamReader, limit: int) -> None:
        self._content = content
        self._limit = limit
        self.exceeded = False

    async def chunks(self) -> AsyncIterator[bytes]:
        total = 0
        async for chunk in self._content.iter_chunked(_CHUNK):
            total += len(chunk)
            if total > self._limit:
                self.exceeded = True
                raise PayloadTooLarge()
            yield chunk


async def forward(
    request: web.Request, upstream: Upstream, policy: RoutePolicy, inbound: Inbound, identity_token: str | None, max_body_bytes: int
) -> web.StreamResponse:
    headers = upstream_headers(request, identity_token)
    stream: LimitedStream | None = None
    body: Callable[[], Any] | None = None
    if inbound.body is not None:
        body = lambda: inbound.body  # noqa: E731 - the same bytes on every attempt
    elif request.body_exists:
        stream = LimitedStream(request.content, max_body_bytes)
        body = stream.chunks
        if request.content_length is not None:
            headers["Content-Length"] = str(request.content_length)
    try:
        response = await upstream.request(request.method, upstream_path(request, policy), headers, body)
    except LatchkeyError:
        if stream is not None and stream.exceeded:
            raise PayloadTooLarge() from None
        raise
    async with response:
        return await relay(request, response)


async def relay(request: web.Request, response: aiohttp.ClientResponse) -> web.StreamResponse:
    headers: CIMultiDict[str] = CIMultiDict(
        (name, value) for name, value in response.headers.items() if name.lower() not in _NOT_RELAYED
    )
    length = response.content_length
    try:
        if length is not None and length <= BUFFERED_RESPONSE_LIMIT:
            return web.Response(status=response.status, reason=response.reason, body=await response.read(), headers=headers)
        if response.status in (204, 304) or request.method == "HEAD":
            return web.Response(status=response.status, reason=response.reason, headers=headers)
    except asyncio.TimeoutError:
        raise GatewayTimeout() from None
    except aiohttp.ClientError:
        raise BadGateway() from None
    relayed = web.StreamResponse(status=response.status, reason=response.reason, headers=headers)
    if length is not None:
        relayed.content_length = length
    await relayed.prepare(request)
    try:
        async for chunk in response.content.iter_chunked(_CHUNK):
            await relayed.write(chunk)
    except (asyncio.TimeoutError, aiohttp.ClientError):
        # Too late for an error envelope: the status is sent. Cut the connection so
        # the client sees a truncated answer rather than a complete-looking one.
        if request.transport is not None:
            request.transport.close()
        return relayed
    await relayed.write_eof()
    return relayed
