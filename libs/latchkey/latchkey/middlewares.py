"""The edge of every Latchkey app: request id in and out, one access-log line and metrics per request."""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import Counter, Histogram

from . import logs
from .client_address import behind_gateway
from .identity import PRINCIPAL_KEY

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
# Probes and scrapes would drown the access log and the latency histogram.
_UNLOGGED_ROUTES = ("/healthz", "/readyz", "/metrics")

REQUESTS = Counter("latchkey_http_requests_total", "HTTP requests served", ["service", "method", "route", "status"])
LATENCY = Histogram(
    "latchkey_http_request_seconds",
    "HTTP request latency",
    ["service", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

access_log = logging.getLogger("latchkey.access")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def accepted_request_id(value: str | None) -> str:
    """The client's X-Request-ID when it is sane, else a fresh one."""
    if value and _SANE_REQUEST_ID.match(value):
        return value
    return secrets.token_hex(12)


def route_name(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def edge_middleware(service: str, client_address: Callable[[web.Request], str | None] = behind_gateway):
    """Request id in, request id out; one access log line (with the client's address) and metrics per request."""
    # The labelled series of each (method, route, status), looked up once: prometheus_client's
    # labels() builds and locks on every call. Bounded: routes are the app's, and aiohttp's
    # parser (llhttp) refuses any method outside its fixed list.
    series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(method: str, route: str, status: int, elapsed: float) -> None:
        key = (method, route, status)
        found = series.get(key)
        if found is None:
            found = series[key] = (REQUESTS.labels(service, method, route, str(status)), LATENCY.labels(service, route))
        found[0].inc()
        found[1].observe(elapsed)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        rid = accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
        client = client_address(request)  # resolved once, before any handler rate-limits on it
        token = logs.request_id.set(rid)
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            response.headers[REQUEST_ID_HEADER] = rid
            return response
        finally:
            elapsed = time.perf_counter() - started
            route = route_name(request)
            if route not in _UNLOGGED_ROUTES:
                observe(request.method, route, status, elapsed)
                principal = request.get(PRINCIPAL_KEY)
                access_log.info(
                    "request",
                    extra={
                        "fields": {
                            "method": request.method,
                            "route": route,
                            "status": status,
                            "ms": round(elapsed * 1000, 2),
                            "principal": principal.sub if principal else None,
                            "auth": ",".join(principal.amr) if principal else None,
                            "client": client,
                        }
                    },
                )
            logs.request_id.reset(token)

    return middleware
