"""PostgreSQL pool and Redis client, opened and closed with the aiohttp app.

Handlers find them on the app under typed keys (`PG_POOL`, `REDIS`), never
by string. `REDIS_URL` may name one node, a Sentinel-managed master or a Redis
Cluster: `redis_client` turns it into the right client, and nothing else needs
to know which.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
from aiohttp import web

from .redis_client import RedisClient, open_redis
from .settings import CommonSettings

__all__ = [
    "PG_POOL", "REDIS", "FairPool", "RedisClient", "fair_pool", "open_redis", "open_redis_for", "postgres_options",
    "postgres_ctx", "redis_ctx",
]

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


class FairPool(asyncpg.Pool):
    """asyncpg's pool, lending connections in the order they were asked for.

    asyncpg keeps idle connections in an asyncio queue that lets a newcomer take a
    connection released for a request already waiting, which then waits again. With
    more requests in flight than connections, a request could wait seconds while later
    ones passed it: direct `/users/me` with 32 clients and 10 connections had a p99 of
    0.4-1.1 s and requests past 2 s; in the same bench with this pool, 13-18 ms. A
    request first takes a turn from a FIFO semaphore as large as the pool (Python's
    semaphore lets nobody pass a waiter), so whoever holds a turn finds a connection.

    It overrides asyncpg's `Pool._acquire` (every acquire, `async with` or `fetch*`, goes
    through it). tests/latchkey/test_storage.py fails if a new asyncpg stops calling it,
    and its canary fails once asyncpg's own pool is fair and this class can go.
    """

    def __init__(self, *args: Any, max_size: int, **kwargs: Any) -> None:
        super().__init__(*args, max_size=max_size, **kwargs)
        self._turns = asyncio.Semaphore(max_size)
        self._lent: set[int] = set()  # ids of the proxies lent under a turn; each gives its turn back once

    async def _acquire(self, timeout: float | None) -> Any:
        async with asyncio.timeout(timeout):
            await self._turns.acquire()
            try:
                connection = await super()._acquire(None)
            except BaseException:
                self._turns.release()
                raise
        self._lent.add(id(connection))
        return connection

    async def release(self, connection: Any, *, timeout: float | None = None) -> None:
        try:
            await super().release(connection, timeout=timeout)
        finally:
            if id(connection) in self._lent:
                self._lent.discard(id(connection))
                self._turns.release()


def fair_pool(dsn: str, *, min_size: int, max_size: int, **options: Any) -> FairPool:
    """A FairPool with `asyncpg.create_pool`'s defaults for the rest (which builds only its own class); await it."""
    return FairPool(
        dsn, min_size=min_size, max_size=max_size, max_queries=50_000, max_inactive_connection_lifetime=300.0,
        loop=None, connection_class=asyncpg.Connection, record_class=asyncpg.Record, **options,
    )


def postgres_ctx(common: CommonSettings, *, min_size: int = 2, max_size: int = 10) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        pool = await fair_pool(
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
