"""What every Latchkey aiohttp app shares: middlewares, health routes, running.

`create_app` wires, in order: request id, access log and metrics, the error
envelope, and the internal identity (the principal forwarded by the gateway).
Services add their own routes and `cleanup_ctx` entries on top.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

from . import logs
from .errors import Envelope, ServiceUnavailable, Unauthenticated, error_middleware
from .migrations import MigrationError
from .settings import CommonSettings, SettingsError
from .storage import PG_POOL, REDIS
from .tokens import IDENTITY_HEADER, Principal, TokenVerifier

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

PRINCIPAL_KEY = web.RequestKey("latchkey.principal", Principal)
SETTINGS = web.AppKey("common_settings", CommonSettings)
VERIFIER = web.AppKey("token_verifier", TokenVerifier)

REQUESTS = Counter("latchkey_http_requests_total", "HTTP requests served", ["service", "method", "route", "status"])
LATENCY = Histogram(
    "latchkey_http_request_seconds",
    "HTTP request latency",
    ["service", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

access_log = logging.getLogger("latchkey.access")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ReadinessCheck = Callable[[web.Application], Awaitable[None]]
READINESS = web.AppKey("readiness_checks", list)


def accepted_request_id(value: str | None) -> str:
    """The client's X-Request-ID when it is sane, else a fresh one."""
    if value and _SANE_REQUEST_ID.match(value):
        return value
    return secrets.token_hex(12)


def route_name(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def edge_middleware(service: str):
    """Request id in, request id out; one access log line and metrics per request."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        rid = accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
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
            if route not in ("/healthz", "/readyz", "/metrics"):
                REQUESTS.labels(service, request.method, route, str(status)).inc()
                LATENCY.labels(service, route).observe(elapsed)
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
                        }
                    },
                )
            logs.request_id.reset(token)

    return middleware


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


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    failures = {}
    for check in request.app[READINESS]:
        try:
            await asyncio.wait_for(check(request.app), timeout=2)
        except Exception as exc:  # a readiness probe reports any failure, it does not raise
            failures[check.__name__] = type(exc).__name__
    if failures:
        return web.json_response({"status": "unavailable", "failed": failures}, status=503)
    return web.json_response({"status": "ready"})


async def metrics(_request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def postgres_ready(app: web.Application) -> None:
    async with app[PG_POOL].acquire() as conn:
        await conn.fetchval("SELECT 1")


async def redis_ready(app: web.Application) -> None:
    if not await app[REDIS].ping():
        raise ServiceUnavailable()


def create_app(
    common: CommonSettings,
    *,
    envelope_for: Callable[[web.Request], Envelope],
    readiness: Iterable[ReadinessCheck] = (),
    client_max_size: int = 1024**2,
) -> web.Application:
    app = web.Application(
        middlewares=[edge_middleware(common.service), error_middleware(envelope_for), identity_middleware],
        client_max_size=client_max_size,
    )
    app[SETTINGS] = common
    app[VERIFIER] = TokenVerifier(common.service, common.trusted_keys)
    app[READINESS] = list(readiness)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app


def run(app: web.Application, host: str, port: int) -> None:
    """Serve until SIGINT/SIGTERM, on uvloop where available."""
    try:
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux and macOS
        loop_factory = asyncio.new_event_loop
    loop = loop_factory()
    asyncio.set_event_loop(loop)
    web.run_app(app, host=host, port=port, access_log=None, print=None, loop=loop, shutdown_timeout=5)


def serve(service: str, load_settings: Callable[[], Any], init_app: Callable[[Any], web.Application]) -> None:
    """A process's `main`: settings (one clear line when they are wrong), then the app until a signal."""
    try:
        settings = load_settings()
    except SettingsError as error:
        raise SystemExit(f"{service}: configuration error: {error}") from None
    try:
        run(init_app(settings), settings.common.host, settings.common.port)
    except MigrationError as error:  # a database that is behind: say what to run, not a traceback
        raise SystemExit(f"{service}: {error}") from None
