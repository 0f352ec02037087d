"""Building and running a Latchkey service's aiohttp app.

`create_app` builds a service's app the one way all three services share;
their `app.py` passes only what is theirs (schema, migrations, routes,
contexts). The concepts live in their own modules: `middlewares`,
`identity`, `health`, `routing`.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

from aiohttp import web

from . import loop_probe, migrations, response_headers, storage
from .errors import Envelope, envelope_by_path, error_middleware
from .health import add_health_routes, postgres_ready, redis_ready
from .identity import VERIFIER, identity_middleware
from .logs import configure_logging
from .migrations import MigrationError
from .middlewares import edge_middleware
from .outages import dependency_down_middleware
from .routing import Route, add_routes
from .settings import CommonSettings, SettingsError
from .tokens import TokenVerifier

SETTINGS = web.AppKey("common_settings", CommonSettings)
CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def create_app(
    common: CommonSettings,
    *,
    schema: str,
    migrations_dir: Path,
    routes: Iterable[Route],
    contexts: Iterable[CleanupContext] = (),
    envelope_for: Callable[[web.Request], Envelope] = envelope_by_path,
    client_max_size: int = 1024**2,
) -> web.Application:
    """A service's app, built the same way for all three.

    JSON logs; the edge, error-envelope, dependency-down and identity
    middlewares; health routes with PostgreSQL and Redis readiness; the pool,
    a check that the schema's migrations are applied, the Redis client, then
    `contexts` (which may use all three); and the route table.
    """
    configure_logging(common.service, common.log_level)
    app = web.Application(
        middlewares=[
            edge_middleware(common.service),
            error_middleware(envelope_for),
            dependency_down_middleware(common.dependency_timeout),
            identity_middleware,
        ],
        client_max_size=client_max_size,
    )
    app[SETTINGS] = common
    app[VERIFIER] = TokenVerifier(common.service, common.trusted_keys)
    response_headers.install(app, hsts=False)  # HSTS is the edge's to send
    add_health_routes(app, [postgres_ready, redis_ready])
    loop_probe.install(app, common.loop_probe)
    app.cleanup_ctx.append(storage.postgres_ctx(common))
    app.cleanup_ctx.append(migrations.require_current(schema, migrations_dir))
    app.cleanup_ctx.append(storage.redis_ctx(common))
    app.cleanup_ctx.extend(contexts)
    add_routes(app, routes)
    return app


# A request line or header may be as long as the longest value a route accepts, percent-encoded
# (a 2048-character return_to of 4-byte UTF-8 is 24 KiB in the URL): past aiohttp's default 8 KiB
# the parser answers a bare text/plain 400 before any handler could say which field is too long.
HTTP_LIMITS = {"max_line_size": 32 * 1024, "max_field_size": 32 * 1024}


async def _freeze_startup_heap(_app: web.Application) -> None:
    """Keep what start-up built (modules, route tables, pools) out of every later garbage collection.

    A full collection walks every tracked object; with the start-up heap in it, the gateway's took
    several milliseconds, often enough at load to be a visible share of its p99. `gc.freeze()` moves
    those objects to a generation the collector never walks; they are not freed, which they would
    not be anyway (they live as long as the process).
    """
    gc.collect()
    gc.freeze()


def run(app: web.Application, host: str, port: int, *, reuse_port: bool = False) -> None:
    """Serve until SIGINT/SIGTERM, on uvloop where available (`reuse_port`: one of several workers on the port)."""
    app.on_startup.append(_freeze_startup_heap)  # after every context: the app is whole by then
    try:
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux and macOS
        loop_factory = asyncio.new_event_loop
    loop = loop_factory()
    asyncio.set_event_loop(loop)
    web.run_app(
        app, host=host, port=port, access_log=None, print=None, loop=loop, shutdown_timeout=5,
        reuse_port=reuse_port or None, **HTTP_LIMITS,
    )


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
