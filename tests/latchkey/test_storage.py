"""The PostgreSQL pool skips asyncpg's per-release RESET ALL: nothing a request leaves may outlive it anyway."""

from __future__ import annotations

import re
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


async def test_an_unfinished_transaction_does_not_outlive_its_release(base_env):
    common = CommonSettings.from_env(Env(base_env), service="session", default_port=8081)
    app = web.Application()
    ctx = storage.postgres_ctx(common, min_size=1, max_size=1)(app)
    await anext(ctx)
    try:
        pool = app[storage.PG_POOL]
        async with pool.acquire() as conn:
            await conn.execute("BEGIN")
            await conn.execute("SET LOCAL application_name = 'left-behind'")
        async with pool.acquire() as conn:  # the one connection again
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SHOW application_name") != "left-behind"
    finally:
        await anext(ctx, None)
