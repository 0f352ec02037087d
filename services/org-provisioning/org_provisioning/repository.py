"""SQL on the `org` schema: one named query per question."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

# A pool in the service, a single connection in the operator CLI: both answer these calls.
Executor = asyncpg.Pool | asyncpg.Connection

_COLUMNS = "id, slug, name, auth_redirect_url, users_may_delete_themselves, api_key_hash, api_key_sealed, created_at, updated_at"


@dataclass(frozen=True, slots=True)
class OrganizationRow:
    id: int
    slug: str
    name: str
    auth_redirect_url: str | None
    users_may_delete_themselves: bool
    api_key_hash: str
    api_key_sealed: str
    created_at: datetime
    updated_at: datetime


def _row(record: asyncpg.Record | None) -> OrganizationRow | None:
    return OrganizationRow(**dict(record)) if record is not None else None


async def reserve_organization_id(db: Executor) -> int:
    """The id comes first because the sealed API key is bound to it."""
    return await db.fetchval("SELECT nextval(pg_get_serial_sequence('org.organizations', 'id'))")


async def insert_organization(
    db: Executor, *, org_id: int, slug: str, name: str, auth_redirect_url: str | None, api_key_hash: str, api_key_sealed: str
) -> OrganizationRow | None:
    """The new row, or None when the slug is taken."""
    record = await db.fetchrow(
        f"""
        INSERT INTO org.organizations (id, slug, name, auth_redirect_url, api_key_hash, api_key_sealed)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (slug) DO NOTHING
        RETURNING {_COLUMNS}
        """,
        org_id, slug, name, auth_redirect_url, api_key_hash, api_key_sealed,
    )
    return _row(record)


async def find_organization_by_slug(db: Executor, slug: str) -> OrganizationRow | None:
    return _row(await db.fetchrow(f"SELECT {_COLUMNS} FROM org.organizations WHERE slug = $1", slug))


async def find_organization_by_id(db: Executor, org_id: int) -> OrganizationRow | None:
    return _row(await db.fetchrow(f"SELECT {_COLUMNS} FROM org.organizations WHERE id = $1", org_id))


async def replace_api_key(db: Executor, *, org_id: int, api_key_hash: str, api_key_sealed: str) -> str | None:
    """Store a new key; returns the hash of the key it replaced (None if the org is gone)."""
    return await db.fetchval(
        """
        UPDATE org.organizations AS o
        SET api_key_hash = $2, api_key_sealed = $3, updated_at = now()
        FROM (SELECT id, api_key_hash FROM org.organizations WHERE id = $1 FOR UPDATE) AS previous
        WHERE o.id = previous.id
        RETURNING previous.api_key_hash
        """,
        org_id, api_key_hash, api_key_sealed,
    )


async def update_organization_settings(
    db: Executor, *, org_id: int, name: str, auth_redirect_url: str | None, users_may_delete_themselves: bool
) -> OrganizationRow | None:
    record = await db.fetchrow(
        f"""
        UPDATE org.organizations SET name = $2, auth_redirect_url = $3, users_may_delete_themselves = $4, updated_at = now()
        WHERE id = $1
        RETURNING {_COLUMNS}
        """,
        org_id, name, auth_redirect_url, users_may_delete_themselves,
    )
    return _row(record)
