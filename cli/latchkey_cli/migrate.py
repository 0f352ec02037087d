"""`latchkey migrate`: apply every service's SQL migrations to its schema."""

from __future__ import annotations

from pathlib import Path

import asyncpg

import oidc_link
import org_provisioning
import session
from latchkey import migrations

SCHEMAS: list[tuple[str, Path]] = [
    (session.SCHEMA, session.MIGRATIONS),
    (org_provisioning.SCHEMA, org_provisioning.MIGRATIONS),
    (oidc_link.SCHEMA, oidc_link.MIGRATIONS),
]


async def migrate_all(database_url: str) -> list[str]:
    conn = await asyncpg.connect(database_url)
    try:
        applied = []
        for schema, directory in SCHEMAS:
            applied += [f"{schema}/{name}" for name in await migrations.apply(conn, schema, directory)]
        return applied
    finally:
        await conn.close()


async def ensure_database(server_url: str, name: str) -> str:
    """Create database `name` on the server if missing; returns its URL."""
    conn = await asyncpg.connect(server_url)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return server_url.rsplit("/", 1)[0] + "/" + name
