"""Real PostgreSQL and Redis for the whole test run, and a clean state per test.

`TEST_DATABASE_URL` / `TEST_REDIS_URL` point the suite at servers you run
(`TEST_REDIS_URL` may name a Sentinel group or a Redis Cluster, SPEC §9);
otherwise the run starts its own embedded servers (the same code as
`latchkey up`) in a temporary folder and stops them at the end.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest
import redis.asyncio as redis

from latchkey.redis_client import open_redis
from latchkey_cli import devconfig, migrate
from latchkey_cli.embedded import EmbeddedPostgres, EmbeddedRedis, free_port
from latchkey_cli.mail_catcher import MailCatcher
from tests.harness import System, client
from tests.mailbox import Mailbox

pytest_plugins: list[str] = []


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, str]]:
    started = []
    urls = {"database": os.environ.get("TEST_DATABASE_URL", ""), "redis": os.environ.get("TEST_REDIS_URL", "")}
    with tempfile.TemporaryDirectory(prefix="latchkey-test-") as tmp:
        if not urls["database"]:
            postgres = EmbeddedPostgres(Path(tmp) / "postgres", free_port(), fast=True, log_file=Path(tmp) / "postgres.log")
            postgres.start()
            started.append(postgres)
            urls["database"] = postgres.url
        if not urls["redis"]:
            server = EmbeddedRedis(Path(tmp) / "redis", free_port(), persistent=False)
            server.start()
            started.append(server)
            urls["redis"] = server.url
        try:
            yield urls
        finally:
            for server in reversed(started):
                server.stop()


@pytest.fixture(scope="session")
def database_url(servers: dict[str, str]) -> str:
    async def prepare() -> str:
        url = await migrate.ensure_database(servers["database"], "latchkey_test")
        await migrate.migrate_all(url)
        return url

    return asyncio.run(prepare())


@pytest.fixture(scope="session")
def base_env(database_url: str, servers: dict[str, str]) -> dict[str, str]:
    """Everything a service needs, as it would find it in its environment."""
    return {
        **devconfig.generate_secrets(),
        "DATABASE_URL": database_url,
        "REDIS_URL": servers["redis"],
        "LOG_LEVEL": "INFO",
        "LATCHKEY_ENV_FILE": "/nonexistent/.env",
    }


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def redis_client(servers: dict[str, str]) -> AsyncIterator[redis.Redis]:
    client_ = open_redis(servers["redis"])
    try:
        yield client_
    finally:
        await client_.aclose()


@pytest.fixture(autouse=True)
async def clean_state(database_url: str, servers: dict[str, str]) -> None:
    """Every test starts from empty tables and an empty Redis."""
    conn = await asyncpg.connect(database_url)
    try:
        tables = await conn.fetch(
            "SELECT schemaname, tablename FROM pg_tables "
            "WHERE schemaname = ANY($1::text[]) AND tablename <> 'schema_migrations'",
            [schema for schema, _ in migrate.SCHEMAS],
        )
        if tables:
            names = ", ".join(f'"{t["schemaname"]}"."{t["tablename"]}"' for t in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()
    client_ = open_redis(servers["redis"])
    try:
        await client_.flushdb()  # on a cluster: on every master
    finally:
        await client_.aclose()


@pytest.fixture
async def start_system(base_env: dict[str, str]):
    """Factory: `await start_system(SESSION_IDLE_TIMEOUT="1.5")` → a running System."""
    systems: list[System] = []

    async def start(services: tuple[str, ...] | None = None, **overrides: str) -> System:
        system = System(env={**base_env, **overrides})
        await (system.start(services) if services else system.start())
        systems.append(system)
        return system

    yield start
    for system in systems:
        await system.stop()


@pytest.fixture
async def system(start_system) -> System:
    """The four services with default settings."""
    return await start_system()


@pytest.fixture
async def http():
    async with client() as session:
        yield session


@pytest.fixture
async def api():
    """A client without a cookie jar: each request carries only the credential the test gives it."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield session


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[Mailbox]:
    """A real aiosmtpd catcher (the one `latchkey up` runs) saving to a fresh folder; pass `SMTP_URL=mailbox.smtp_url`."""
    catcher = MailCatcher(tmp_path / "mail", free_port(), announce=lambda *args, **kwargs: None).start()
    try:
        yield Mailbox(catcher)
    finally:
        catcher.stop()
