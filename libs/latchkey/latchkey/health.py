"""Liveness, readiness and metrics routes, and the readiness checks of PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from .errors import ServiceUnavailable
from .storage import PG_POOL, REDIS

ReadinessCheck = Callable[[web.Application], Awaitable[None]]
READINESS = web.AppKey("readiness_checks", list)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readiness_failures(app: web.Application) -> dict[str, str]:
    """Each failing readiness check of `app` by name, with the class of its error."""
    failures = {}
    for check in app[READINESS]:
        try:
            await asyncio.wait_for(check(app), timeout=2)
        except Exception as exc:  # a readiness probe reports any failure, it does not raise
            failures[check.__name__] = type(exc).__name__
    return failures


async def readiness_report(app: web.Application) -> web.Response:
    """Ready or not, naming what fails: for a service's private port and the operations listener."""
    failures = await readiness_failures(app)
    if failures:
        return web.json_response({"status": "unavailable", "failed": failures}, status=503)
    return web.json_response({"status": "ready"})


async def readyz(request: web.Request) -> web.Response:
    return await readiness_report(request.app)


async def public_readyz(request: web.Request) -> web.Response:
    """Ready or not, and nothing more: which dependency fails is no business of the public."""
    if await readiness_failures(request.app):
        return web.json_response({"status": "unavailable"}, status=503, headers={"Retry-After": "5"})
    return web.json_response({"status": "ready"})


async def metrics(_request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(_registry()), headers={"Content-Type": CONTENT_TYPE_LATEST})


def _registry() -> CollectorRegistry:
    """This process's metrics; with several gateway workers, every worker's, summed (gateway/workers.py)."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


async def postgres_ready(app: web.Application) -> None:
    async with app[PG_POOL].acquire() as conn:
        await conn.fetchval("SELECT 1")


async def redis_ready(app: web.Application) -> None:
    if not await app[REDIS].ping():
        raise ServiceUnavailable()


def add_health_routes(app: web.Application, readiness: list[ReadinessCheck]) -> None:
    app[READINESS] = readiness
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
