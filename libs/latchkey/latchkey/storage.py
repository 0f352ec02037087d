"""PostgreSQL pool and Redis client, opened and closed with the aiohttp app.

Handlers find them on the app under typed keys (`PG_POOL`, `REDIS`), never
by string.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import asyncpg
import redis.asyncio as redis
from aiohttp import web

PG_POOL = web.AppKey("pg_pool", asyncpg.Pool)
REDIS = web.AppKey("redis", redis.Redis)


def postgres_ctx(database_url: str, *, min_size: int = 2, max_size: int = 10) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(database_url, min_size=min_size, max_size=max_size, command_timeout=10)
        app[PG_POOL] = pool
        try:
            yield
        finally:
            await pool.close()

    return ctx


def open_redis(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url, decode_responses=False, health_check_interval=30, socket_timeout=5, socket_connect_timeout=5)


def redis_ctx(redis_url: str) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        client = open_redis(redis_url)
        app[REDIS] = client
        try:
            yield
        finally:
            await client.aclose()

    return ctx
