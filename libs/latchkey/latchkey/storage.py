"""PostgreSQL pool and Redis client, opened and closed with the aiohttp app.

Handlers find them on the app under typed keys (`PG_POOL`, `REDIS`), never
by string. `REDIS_URL` may name one node, a Sentinel-managed master or a Redis
Cluster: `redis_client` turns it into the right client, and nothing else needs
to know which.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
from aiohttp import web

from .redis_client import RedisClient, open_redis
from .settings import CommonSettings

__all__ = ["PG_POOL", "REDIS", "RedisClient", "open_redis", "open_redis_for", "postgres_options", "postgres_ctx", "redis_ctx"]

PG_POOL = web.AppKey("pg_pool", asyncpg.Pool)
REDIS = web.AppKey("redis", RedisClient)  # type: ignore[arg-type]  # a union: one node or a cluster


def postgres_options(common: CommonSettings) -> dict[str, Any]:
    """What every pool and one-off connection is opened with.

    DATABASE_STATEMENT_CACHE=0 behind PgBouncer in transaction mode, where the
    next statement may run on a server connection that never saw the prepared one.
    """
    return {"statement_cache_size": common.database_statement_cache}


async def keep_session_state(_conn: asyncpg.Connection) -> None:
    """The pool's reset: nothing beyond asyncpg's own (an open transaction is rolled back, listeners dropped).

    asyncpg's default also sends `RESET ALL; CLOSE ALL; UNLISTEN *;
    pg_advisory_unlock_all()` on every release: a second round trip for a
    one-query request. Latchkey keeps no session state on pooled connections
    (no session SET, LISTEN, held cursor or session advisory lock; only
    `SET LOCAL` and transaction-scoped state, which end with the transaction),
    as PgBouncer in transaction mode requires anyway, so there is nothing
    to reset. tests/latchkey/test_storage.py holds the code to that.
    """


def postgres_ctx(common: CommonSettings, *, min_size: int = 2, max_size: int = 10) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(
            common.database_url,
            min_size=min_size,
            max_size=max_size,
            # Connecting and each statement are bounded, so a frozen server fails fast (latchkey.outages).
            timeout=common.dependency_timeout,
            command_timeout=common.dependency_timeout,
            reset=keep_session_state,
            **postgres_options(common),
        )
        app[PG_POOL] = pool
        try:
            yield
        finally:
            await pool.close()

    return ctx


def open_redis_for(common: CommonSettings) -> RedisClient:
    return open_redis(common.redis_url, timeout=common.redis_timeout)


def redis_ctx(common: CommonSettings) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        client = open_redis_for(common)
        app[REDIS] = client
        try:
            yield
        finally:
            await client.aclose()

    return ctx
