"""Forwarding one request to its service and relaying the answer unchanged.

Upstream gets the request minus its credentials and minus any inbound copy of
an internal header, plus the identity JWT, the request id and the client's
address. The request body streams upstream as it arrives (unless it was read
for its credentials); the answer (status, headers including every Set-Cookie,
redirects, body bytes) comes back as the service sent it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote, urlencode

from aiohttp import StreamReader, web
from multidict import CIMultiDict

from latchkey import logs
from latchkey.client_address import resolved
from latchkey.errors import PayloadTooLarge

from .credentials import CREDENTIAL_PARAMS, Inbound, cookie_header_without_session
from .http1 import Answer, Body
from .policy import PREFIX_REST, RoutePolicy
from .upstreams import Upstream

HOP_BY_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
        "te", "trailer", "transfer-encoding", "upgrade",
    }
)
# Credentials, what the gateway itself sets, and the framing the forwarding client writes (Host, length).
_NOT_FORWARDED = HOP_BY_HOP | frozenset(
    {"host", "content-length", "expect", "authorization", "x-api-key", "cookie", "x-real-ip", "forwarded", "x-request-id"}
)
# Whatever a client claims about internal identity or the path it came by is replaced, never passed on.
_SET_BY_GATEWAY_PREFIXES = ("x-latchkey-", "x-forwarded-")
_NOT_RELAYED = HOP_BY_HOP | frozenset({"content-length"})
_CHUNK = 64 * 1024
_PATH_SAFE = "/!$&'()*+,;=:@~-._"


def upstream_path(request: web.Request, policy: RoutePolicy) -> str:
    """The raw path and query to send: trailing slash folded, credential parameters removed."""
    url = request.rel_url
    path = url.raw_path
    if policy.strip_prefix:
        path = _after_prefix(path, policy.path, request.match_info.get(PREFIX_REST))
    elif policy.accepts_trailing_slash and len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    if not url.raw_query_string:
        return path
    query = url.query
    if not any(name in query for name in CREDENTIAL_PARAMS):
        return path + "?" + url.raw_query_string
    kept = [(name, value) for name, value in query.items() if name not in CREDENTIAL_PARAMS]
    return path + "?" + urlencode(kept) if kept else path


def _after_prefix(raw_path: str, prefix: str, rest: str | None) -> str:
    """`/iot/devices/7` under prefix `/iot` → `/devices/7`; the prefix itself → `/`."""
    if "{" not in prefix and raw_path.startswith(prefix):
        return raw_path[len(prefix):] or "/"
    # A parameterised prefix, or one the client spelled with percent-escapes: the router's decoded rest, re-escaped.
    return "/" + quote(rest or "", safe=_PATH_SAFE)


def upstream_headers(request: web.Request, identity: list[tuple[str, str]]) -> list[tuple[str, str]]:
    headers = [
        (name, value)
        for name, value in request.headers.items()
        if (lowered := name.lower()) not in _NOT_FORWARDED and not lowered.startswith(_SET_BY_GATEWAY_PREFIXES)
    ]
    if "Cookie" in request.headers:
        kept = cookie_header_without_session(request.cookies)
        if kept:
            headers.append(("Cookie", kept))
    # X-Real-IP is the client as we resolved it (the peer, or who a trusted proxy forwards for),
    # whatever the client claimed; services log and rate-limit on it.
    peer = request.remote or ""
    prior = request.headers.get("X-Forwarded-For")
    headers += [
        ("X-Real-IP", resolved(request) or peer),
        ("X-Forwarded-For", f"{prior}, {peer}" if prior else peer),
        ("X-Forwarded-Proto", request.scheme),
        ("X-Forwarded-Host", request.host),
        ("X-Request-ID", logs.request_id.get() or ""),
    ]
    return headers + identity


class LimitedStream:
    """The inbound body as it arrives, cut off past the size limit."""

    def __init__(self, content: StreamReader, limit: int) -> None:
        self._content = content
        self._limit = limit

    async def chunks(self) -> AsyncIterator[bytes]:
        total = 0
        async for chunk in self._content.iter_chunked(_CHUNK):
            total += len(chunk)
            if total > self._limit:
                raise PayloadTooLarge()
            yield chunk


async def forward(
    request: web.Request,
    upstream: Upstream,
    policy: RoutePolicy,
    inbound: Inbound,
    identity: list[tuple[str, str]],
    max_body_bytes: int,
) -> web.Response:
    """`identity`: the JWT header (and the plain ones an upstream opted into); empty when anonymous."""
    headers = upstream_headers(request, identity)
    body: Body = inbound.body
    if body is None and request.body_exists:
        body = LimitedStream(request.content, max_body_bytes).chunks
    answer = await upstream.request(request.method, upstream_path(request, policy), headers, body)
    return relay(answer)


def relay(answer: Answer) -> web.Response:
    """The service's answer as it sent it: status, reason, every header (all Set-Cookie), body."""
    headers = CIMultiDict((name, value) for name, value in answer.headers if name.lower() not in _NOT_RELAYED)
    return web.Response(status=answer.status, reason=answer.reason or None, body=answer.body, headers=headers)
