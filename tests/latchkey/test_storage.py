"""The services' PostgreSQL pool: no per-release RESET ALL (nothing a request leaves may outlive it anyway), and connections lent in the order asked for."""

from __future__ import annotations

import asyncio
import re
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web

from latchkey import storage
from latchkey.settings import CommonSettings, Env

ROOT = Path(__file__).resolve().parents[2]
# Session state a pooled connection would carry to the next request (and that PgBouncer in
# transaction mode would hand to another client): session SET, LISTEN, held cursors, session locks.
_SESSION_STATE = re.compile(
    r"""(['"]\s*SET\s+(?!LOCAL\b)|\bSET\s+SESSION\b|\bLISTEN\s|\bWITH\s+HOLD\b|pg_(try_)?advisory_lock(_shared)?\s*\(|set_config\s*\([^)]*false)""",
)
# `latchkey migrate` takes a session advisory lock on a connection of its own, never a pooled one.
_OWN_CONNECTION = {"libs/latchkey/latchkey/migrations.py"}


def test_no_code_leaves_session_state_on_a_pooled_connection():
    offenders = []
    for folder in ("libs", "services", "gateway"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".sql") or ".venv" in path.parts:
                continue
            relative = str(path.relative_to(ROOT))
            if relative in _OWN_CONNECTION:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if _SESSION_STATE.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, "session state on pooled connections (latchkey.storage.keep_session_state):\n" + "\n".join(offenders)


@asynccontextmanager
async def service_pool(base_env, size: int):
    """The pool a service opens (`storage.postgres_ctx`), with `size` connections."""
    common = CommonSettings.from_env(Env(base_env), service="session", default_port=8081)
    app = web.Application()
    ctx = storage.postgres_ctx(common, min_size=size, max_size=size)(app)
    await anext(ctx)
    try:
        yield app[storage.PG_POOL]
    finally:
        await anext(ctx, None)


async def test_an_unfinished_transaction_does_not_outlive_its_release(base_env):
    async with service_pool(base_env, 1) as pool:
        async with pool.acquire() as conn:
            await conn.execute("BEGIN")
            await conn.execute("SET LOCAL application_name = 'left-behind'")
        async with pool.acquire() as conn:  # the one connection again
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SHOW application_name") != "left-behind"


async def _overtakes(pool, *, clients: int = 24, rounds: int = 25) -> tuple[int, int]:
    """Clients borrowing a connection again and again: how often one was served while an earlier ask still waited."""
    asked: list[int] = []  # tickets in the order acquire was called
    waiting: set[int] = set()
    overtakes = 0
    tickets = iter(range(1_000_000))

    async def client() -> None:
        nonlocal overtakes
        for _ in range(rounds):
            ticket = next(tickets)
            asked.append(ticket)
            waiting.add(ticket)
            async with pool.acquire() as conn:
                waiting.discard(ticket)
                overtakes += any(earlier < ticket for earlier in waiting)
                await conn.fetchval("SELECT 1")
            await asyncio.sleep(0)

    await asyncio.gather(*(client() for _ in range(clients)))
    return overtakes, len(asked)


async def test_the_pool_lends_connections_in_the_order_they_were_asked_for(base_env):
    """asyncpg's own pool lets a newcomer take a connection released for a waiter (seconds of tail at saturation)."""
    async with service_pool(base_env, 2) as pool:
        overtakes, served = await _overtakes(pool)
    assert served == 24 * 25 and overtakes == 0


async def test_asyncpg_s_own_pool_lets_newcomers_pass_which_is_why_fair_pool_exists(base_env):
    import asyncpg

    common = CommonSettings.from_env(Env(base_env), service="session", default_port=8081)
    async with asyncpg.create_pool(common.database_url, min_size=2, max_size=2) as pool:
        overtakes, _served = await _overtakes(pool)
    assert overtakes > 0  # if asyncpg's pool becomes fair, FairPool can go
