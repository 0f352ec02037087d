"""SQL of the `oidc` schema: account links. Every query named for what it answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True, slots=True)
class Link:
    user_id: int
    issuer: str
    subject: str
    email: str | None
    linked_at: datetime
    last_used_at: datetime | None


_COLUMNS = "user_id, issuer, subject, email, linked_at, last_used_at"


def _link(row: asyncpg.Record | None) -> Link | None:
    return Link(**dict(row)) if row is not None else None


async def insert_link(
    conn: asyncpg.Connection | asyncpg.Pool, user_id: int, issuer: str, subject: str, email: str | None
) -> bool:
    """Store a new link; False when either uniqueness rule already holds a row."""
    inserted = await conn.fetchval(
        "INSERT INTO oidc.links (user_id, issuer, subject, email) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING RETURNING true",
        user_id, issuer, subject, email,
    )
    return bool(inserted)


async def find_link_by_subject(conn: asyncpg.Connection | asyncpg.Pool, issuer: str, subject: str) -> Link | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM oidc.links WHERE issuer = $1 AND subject = $2", issuer, subject)
    return _link(row)


async def find_link(conn: asyncpg.Connection | asyncpg.Pool, user_id: int, issuer: str) -> Link | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM oidc.links WHERE user_id = $1 AND issuer = $2", user_id, issuer)
    return _link(row)


async def list_links_of_user(conn: asyncpg.Connection | asyncpg.Pool, user_id: int) -> list[Link]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM oidc.links WHERE user_id = $1 ORDER BY linked_at, issuer", user_id)
    return [Link(**dict(row)) for row in rows]


async def lock_issuers_of_user(conn: asyncpg.Connection, user_id: int) -> list[str]:
    """The user's linked issuers, row-locked until the transaction ends (serialises unlinks)."""
    rows = await conn.fetch("SELECT issuer FROM oidc.links WHERE user_id = $1 FOR UPDATE", user_id)
    return [row["issuer"] for row in rows]


async def delete_link(conn: asyncpg.Connection | asyncpg.Pool, user_id: int, issuer: str) -> bool:
    status = await conn.execute("DELETE FROM oidc.links WHERE user_id = $1 AND issuer = $2", user_id, issuer)
    return status.endswith(" 1")


async def delete_links_of_user(conn: asyncpg.Connection | asyncpg.Pool, user_id: int) -> int:
    status = await conn.execute("DELETE FROM oidc.links WHERE user_id = $1", user_id)
    return int(status.rsplit(" ", 1)[1])


async def touch_link(conn: asyncpg.Connection | asyncpg.Pool, issuer: str, subject: str, email: str | None) -> None:
    """Record a use; keep the provider's latest email claim."""
    await conn.execute(
        "UPDATE oidc.links SET last_used_at = now(), email = COALESCE($3, email) WHERE issuer = $1 AND subject = $2",
        issuer, subject, email,
    )
