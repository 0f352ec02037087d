"""Plain SQL migrations: applied in order, once, recorded per schema, enforced at start.

Each test works in its own temporary schema (and folder of .sql files) on the
real test database, and drops it afterwards.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web

from latchkey import migrations
from latchkey.migrations import MigrationError
from latchkey_cli import devconfig, migrate
from latchkey_cli.embedded import free_port
from session.app import init_app as init_session_app
from session.settings import Settings as SessionSettings


@pytest.fixture
async def schema(database_url: str):
    name = "migtest_" + secrets.token_hex(4)
    yield name
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    finally:
        await conn.close()


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(exist_ok=True)
    for name, sql in files.items():
        (directory / name).write_text(sql)
    return directory


BASE = {
    "0001_create_members.sql": "CREATE TABLE members (id serial PRIMARY KEY, email text NOT NULL);",
    # Fails unless 0001 ran first: order is by number, not by file system listing.
    "0002_add_name.sql": "ALTER TABLE members ADD COLUMN name text NOT NULL DEFAULT '';",
    "0010_seed.sql": "INSERT INTO members (email, name) VALUES ('first@example.com', 'First');",
}


async def test_migrations_apply_in_numeric_order_and_are_recorded(db, schema, tmp_path):
    directory = _write(tmp_path / "sql", BASE)
    applied = await migrations.apply(db, schema, directory)
    assert applied == ["0001_create_members", "0002_add_name", "0010_seed"]
    recorded = await db.fetch(f'SELECT version, name FROM "{schema}".schema_migrations ORDER BY version')
    assert [(r["version"], r["name"]) for r in recorded] == [(1, "0001_create_members"), (2, "0002_add_name"), (10, "0010_seed")]
    # Unqualified names in a migration land in its own schema.
    assert await db.fetchval(f'SELECT name FROM "{schema}".members') == "First"


async def test_applying_again_runs_only_new_migrations(db, schema, tmp_path):
    directory = _write(tmp_path / "sql", BASE)
    await migrations.apply(db, schema, directory)
    assert await migrations.apply(db, schema, directory) == []
    _write(directory, {"0011_more.sql": "INSERT INTO members (email) VALUES ('second@example.com');"})
    assert await migrations.apply(db, schema, directory) == ["0011_more"]
    assert await db.fetchval(f'SELECT count(*) FROM "{schema}".members') == 2


async def test_each_schema_keeps_its_own_record(db, schema, tmp_path):
    directory = _write(tmp_path / "sql", BASE)
    await migrations.apply(db, schema, directory)
    other = schema + "_other"
    try:
        assert await migrations.pending(db, other, directory) == migrations.load(directory)
        assert await migrations.apply(db, other, directory) == ["0001_create_members", "0002_add_name", "0010_seed"]
    finally:
        await db.execute(f'DROP SCHEMA IF EXISTS "{other}" CASCADE')


async def test_concurrent_apply_from_many_connections_runs_each_migration_once(database_url, db, schema, tmp_path):
    directory = _write(
        tmp_path / "sql",
        {
            "0001_create_runs.sql": "CREATE TABLE runs (migration text NOT NULL);",
            # A slow migration widens the window in which an unlocked runner would start it twice.
            "0002_slow.sql": "SELECT pg_sleep(0.3); INSERT INTO runs VALUES ('0002');",
            "0003_last.sql": "INSERT INTO runs VALUES ('0003');",
        },
    )
    connections = [await asyncpg.connect(database_url) for _ in range(6)]
    try:
        results = await asyncio.gather(*(migrations.apply(conn, schema, directory) for conn in connections))
    finally:
        await asyncio.gather(*(conn.close() for conn in connections))
    assert sorted(name for result in results for name in result) == ["0001_create_runs", "0002_slow", "0003_last"]
    assert [r["migration"] for r in await db.fetch(f'SELECT migration FROM "{schema}".runs ORDER BY 1')] == ["0002", "0003"]


async def test_a_failing_migration_is_not_recorded_and_later_ones_wait(db, schema, tmp_path):
    directory = _write(
        tmp_path / "sql",
        {"0001_ok.sql": "CREATE TABLE t (x int);", "0002_broken.sql": "ALTER TABLE missing ADD COLUMN y int;", "0003_after.sql": "SELECT 1;"},
    )
    with pytest.raises(asyncpg.PostgresError):
        await migrations.apply(db, schema, directory)
    assert [m.name for m in await migrations.pending(db, schema, directory)] == ["0002_broken", "0003_after"]


def test_badly_named_or_duplicate_migration_files_are_refused(tmp_path):
    with pytest.raises(MigrationError, match="NNNN_name.sql"):
        migrations.load(_write(tmp_path / "a", {"1_first.sql": "SELECT 1;"}))
    with pytest.raises(MigrationError, match="share a version"):
        migrations.load(_write(tmp_path / "b", {"0001_one.sql": "SELECT 1;", "0001_two.sql": "SELECT 1;"}))


async def test_ensure_current_refuses_a_database_that_is_behind(database_url, schema, tmp_path):
    directory = _write(tmp_path / "sql", dict(list(BASE.items())[:2]))
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            await migrations.apply(conn, schema, directory)
        await migrations.ensure_current(pool, schema, directory)  # current: no error
        _write(directory, {"0003_new_column.sql": "ALTER TABLE members ADD COLUMN picture text;"})
        with pytest.raises(MigrationError) as caught:
            await migrations.ensure_current(pool, schema, directory)
    finally:
        await pool.close()
    assert str(caught.value) == f"database schema {schema!r} is behind (0003_new_column); run `latchkey migrate`"


@pytest.fixture
async def empty_database_url(servers):
    """A fresh database on the test server, migrated by nobody."""
    name = "latchkey_behind_" + secrets.token_hex(4)
    url = await migrate.ensure_database(servers["database"], name)
    yield url
    conn = await asyncpg.connect(servers["database"])
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def test_a_service_refuses_to_start_on_an_unmigrated_database(empty_database_url, servers):
    env = {**devconfig.generate_secrets(), "DATABASE_URL": empty_database_url, "REDIS_URL": servers["redis"]}
    runner = web.AppRunner(init_session_app(SessionSettings.from_env(env)))
    with pytest.raises(MigrationError, match=r"database schema 'session' is behind \(.+\); run `latchkey migrate`"):
        await runner.setup()
    await runner.cleanup()
    # After `latchkey migrate` the same service starts.
    await migrate.migrate_all(empty_database_url)
    runner = web.AppRunner(init_session_app(SessionSettings.from_env(env)))
    await runner.setup()
    await runner.cleanup()


def test_a_service_process_on_an_unmigrated_database_exits_with_one_line_naming_the_fix(empty_database_url, servers, tmp_path):
    env = {
        **devconfig.generate_secrets(),
        "DATABASE_URL": empty_database_url,
        "REDIS_URL": servers["redis"],
        "SESSION_PORT": str(free_port()),
        "PATH": "/usr/bin:/bin",
        "LATCHKEY_ENV_FILE": str(tmp_path / "none.env"),
    }
    result = subprocess.run([sys.executable, "-m", "session"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last_line = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"session: database schema 'session' is behind \(0001_\w+.*\); run `latchkey migrate`", last_line), last_line
