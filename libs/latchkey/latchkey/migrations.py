"""Plain SQL migrations, applied in order and recorded per schema.

Each service keeps `migrations/NNNN_name.sql` files. `apply` runs the pending
ones inside a PostgreSQL advisory lock (so replicas starting together cannot
race) and records each in `<schema>.schema_migrations`. A service checks
`pending` at start and refuses to serve a database that is behind.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load(directory: Path) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNNN_name.sql")
        migrations.append(Migration(int(match.group(1)), path.stem, path.read_text()))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{directory}: two migrations share a version number")
    return migrations


def _lock_id(schema: str) -> int:
    return int.from_bytes(hashlib.sha256(f"latchkey-migrate:{schema}".encode()).digest()[:8], "big", signed=True)


async def _applied(conn: asyncpg.Connection, schema: str) -> set[int]:
    exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{schema}.schema_migrations")
    if not exists:
        return set()
    rows = await conn.fetch(f'SELECT version FROM "{schema}".schema_migrations')
    return {row["version"] for row in rows}


async def pending(conn: asyncpg.Connection, schema: str, directory: Path) -> list[Migration]:
    done = await _applied(conn, schema)
    return [m for m in load(directory) if m.version not in done]


async def apply(conn: asyncpg.Connection, schema: str, directory: Path) -> list[str]:
    """Apply pending migrations; returns the names applied."""
    applied = []
    await conn.execute("SELECT pg_advisory_lock($1)", _lock_id(schema))
    try:
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations '
            "(version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for migration in await pending(conn, schema, directory):
            async with conn.transaction():
                await conn.execute(f'SET LOCAL search_path TO "{schema}", public')
                await conn.execute(migration.sql)
                await conn.execute(
                    f'INSERT INTO "{schema}".schema_migrations (version, name) VALUES ($1, $2)',
                    migration.version,
                    migration.name,
                )
            applied.append(migration.name)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _lock_id(schema))
    return applied


async def ensure_current(pool: asyncpg.Pool, schema: str, directory: Path) -> None:
    async with pool.acquire() as conn:
        behind = await pending(conn, schema, directory)
    if behind:
        names = ", ".join(m.name for m in behind)
        raise MigrationError(f"database schema {schema!r} is behind ({names}); run `latchkey migrate`")


def require_current(schema: str, directory: Path):
    """A `cleanup_ctx` entry that refuses to start when the schema is behind.

    Place it after `storage.postgres_ctx` so the pool is open.
    """
    from .storage import PG_POOL  # local: keeps this module usable without aiohttp apps

    async def ctx(app):
        await ensure_current(app[PG_POOL], schema, directory)
        yield

    return ctx
