"""SQL for the user directory (schema `session`), one named query per question."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

Db = asyncpg.Pool | asyncpg.Connection

_COLUMNS = (
    "userid, partnerid, user_name, email, name, role, picture, password_hash, credential_version, "
    "api_key_hash, api_key_sealed, created_at, updated_at, disabled_at, email_verified_at"
)


@dataclass(frozen=True, slots=True)
class UserRecord:
    userid: int
    partnerid: int | None
    user_name: str | None
    email: str | None
    name: str
    role: str
    picture: str | None
    password_hash: str | None
    credential_version: str
    api_key_hash: str
    api_key_sealed: str
    created_at: datetime
    updated_at: datetime
    disabled_at: datetime | None
    email_verified_at: datetime | None = None  # NULL until the current email is proven (and after a change)

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


def _user(row: asyncpg.Record | None) -> UserRecord | None:
    return UserRecord(**dict(row)) if row is not None else None


async def next_user_id(db: Db) -> int:
    return await db.fetchval("SELECT nextval(pg_get_serial_sequence('session.users', 'userid'))")


async def insert_user(
    db: Db,
    *,
    userid: int,
    partnerid: int | None,
    user_name: str | None,
    email: str | None,
    name: str,
    role: str,
    picture: str | None,
    password_hash: str | None,
    credential_version: str,
    api_key_hash: str,
    api_key_sealed: str,
) -> UserRecord:
    row = await db.fetchrow(
        f"""INSERT INTO session.users (userid, partnerid, user_name, email, name, role, picture, password_hash,
                                       credential_version, api_key_hash, api_key_sealed)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {_COLUMNS}""",
        userid, partnerid, user_name, email, name, role, picture, password_hash, credential_version, api_key_hash, api_key_sealed,
    )
    return _user(row)


async def find_user_by_id(db: Db, userid: int) -> UserRecord | None:
    return _user(await db.fetchrow(f"SELECT {_COLUMNS} FROM session.users WHERE userid = $1", userid))


async def find_credential_version(db: Db, userid: int) -> str | None:
    return await db.fetchval("SELECT credential_version FROM session.users WHERE userid = $1 AND disabled_at IS NULL", userid)


async def find_user_by_email(db: Db, email: str) -> UserRecord | None:
    return _user(await db.fetchrow(f"SELECT {_COLUMNS} FROM session.users WHERE lower(email) = lower($1)", email))


def second_factor_on(userid: str) -> str:
    """SQL that is true when the user `userid` (a column or a parameter) has confirmed a TOTP factor.

    The one definition of "two-factor is on": the password step reads it beside the
    user row, `mfa_repository.totp_enabled` on its own.
    """
    return f"EXISTS (SELECT 1 FROM session.totp_factors AS t WHERE t.userid = {userid} AND t.confirmed_at IS NOT NULL)"


async def find_user_signing_in(db: Db, email: str) -> tuple[UserRecord, bool] | None:
    """The user of this email and whether their second factor is on: the password step's one read."""
    row = await db.fetchrow(
        f"""
        SELECT {_COLUMNS}, {second_factor_on("u.userid")} AS second_factor_on
        FROM session.users AS u WHERE lower(email) = lower($1)
        """,
        email,
    )
    if row is None:
        return None
    fields = dict(row)
    factor_on = fields.pop("second_factor_on")
    return UserRecord(**fields), factor_on


async def find_user_by_api_key_hash(db: Db, api_key_hash: str) -> UserRecord | None:
    return _user(await db.fetchrow(f"SELECT {_COLUMNS} FROM session.users WHERE api_key_hash = $1", api_key_hash))


async def find_org_user(db: Db, partnerid: int, user_name: str) -> UserRecord | None:
    return _user(
        await db.fetchrow(f"SELECT {_COLUMNS} FROM session.users WHERE partnerid = $1 AND user_name = $2", partnerid, user_name)
    )


async def list_org_users(db: Db, partnerid: int, *, after_userid: int, limit: int) -> list[UserRecord]:
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM session.users WHERE partnerid = $1 AND userid > $2 ORDER BY userid LIMIT $3",
        partnerid, after_userid, limit,
    )
    return [_user(row) for row in rows]


async def lock_user(db: Db, userid: int) -> UserRecord | None:
    """The row, locked until the transaction ends (for read-modify-write)."""
    return _user(await db.fetchrow(f"SELECT {_COLUMNS} FROM session.users WHERE userid = $1 FOR UPDATE", userid))


async def update_profile(
    db: Db, userid: int, *, email: str | None, name: str, role: str, picture: str | None, credential_version: str
) -> UserRecord:
    row = await db.fetchrow(
        f"""UPDATE session.users SET email = $2, name = $3, role = $4, picture = $5, credential_version = $6, updated_at = now(),
                   email_verified_at = CASE WHEN lower(email) IS NOT DISTINCT FROM lower($2) THEN email_verified_at END
            WHERE userid = $1 RETURNING {_COLUMNS}""",
        userid, email, name, role, picture, credential_version,
    )
    return _user(row)


async def update_password(db: Db, userid: int, *, password_hash: str, credential_version: str) -> UserRecord:
    row = await db.fetchrow(
        f"""UPDATE session.users SET password_hash = $2, credential_version = $3, updated_at = now()
            WHERE userid = $1 RETURNING {_COLUMNS}""",
        userid, password_hash, credential_version,
    )
    return _user(row)


async def replace_credential_version(db: Db, userid: int, credential_version: str) -> None:
    await db.execute(
        "UPDATE session.users SET credential_version = $2, updated_at = now() WHERE userid = $1", userid, credential_version
    )
async def mark_email_verified(db: Db, userid: int, email: str) -> UserRecord | None:
    """Verified, if `email` is still the user's email (it may have changed since the link was sent)."""
    row = await db.fetchrow(
        f"""UPDATE session.users SET email_verified_at = coalesce(email_verified_at, now())
            WHERE userid = $1 AND lower(email) = lower($2) RETURNING {_COLUMNS}""",
        userid, email,
    )
    return _user(row)


async def change_email(db: Db, userid: int, *, email: str, credential_version: str) -> UserRecord | None:
    """The email its owner confirmed by a link sent there: verified from now, with a new credential version."""
    row = await db.fetchrow(
        f"""UPDATE session.users SET email = $2, email_verified_at = now(), credential_version = $3, updated_at = now()
            WHERE userid = $1 RETURNING {_COLUMNS}""",
        userid, email, credential_version,
    )
    return _user(row)


async def upgrade_password_hash(db: Db, userid: int, *, old_hash: str, new_hash: str) -> None:
    """Same password, stronger parameters: the credential version stays, cached Basic stays valid."""
    await db.execute(
        "UPDATE session.users SET password_hash = $3 WHERE userid = $1 AND password_hash = $2", userid, old_hash, new_hash
    )


async def replace_api_key(db: Db, userid: int, *, api_key_hash: str, api_key_sealed: str) -> UserRecord:
    row = await db.fetchrow(
        f"""UPDATE session.users SET api_key_hash = $2, api_key_sealed = $3, updated_at = now()
            WHERE userid = $1 RETURNING {_COLUMNS}""",
        userid, api_key_hash, api_key_sealed,
    )
    return _user(row)


async def set_disabled(db: Db, userid: int, *, disabled: bool, credential_version: str) -> UserRecord:
    row = await db.fetchrow(
        f"""UPDATE session.users
            SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END, credential_version = $3, updated_at = now()
            WHERE userid = $1 RETURNING {_COLUMNS}""",
        userid, disabled, credential_version,
    )
    return _user(row)


async def delete_user(db: Db, userid: int) -> None:
    await db.execute("DELETE FROM session.users WHERE userid = $1", userid)
