"""SQL for two-factor sign-in (schema `session`): TOTP factors and recovery codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from .repository import Db, second_factor_on


@dataclass(frozen=True, slots=True)
class TotpFactor:
    userid: int
    secret_sealed: str
    confirmed_at: datetime | None
    last_step: int | None

    @property
    def enabled(self) -> bool:
        return self.confirmed_at is not None


async def find_totp_factor(db: Db, userid: int) -> TotpFactor | None:
    row = await db.fetchrow(
        "SELECT userid, secret_sealed, confirmed_at, last_step FROM session.totp_factors WHERE userid = $1", userid
    )
    return TotpFactor(**dict(row)) if row is not None else None


async def totp_enabled(db: Db, userid: int) -> bool:
    return await db.fetchval(f"SELECT {second_factor_on('$1')}", userid)


async def save_pending_totp_factor(db: Db, userid: int, secret_sealed: str) -> bool:
    """A new secret awaiting its first code (replacing an earlier pending one); False when one is already active."""
    row = await db.fetchrow(
        """INSERT INTO session.totp_factors (userid, secret_sealed) VALUES ($1, $2)
           ON CONFLICT (userid) DO UPDATE SET secret_sealed = excluded.secret_sealed, last_step = NULL, created_at = now()
           WHERE session.totp_factors.confirmed_at IS NULL
           RETURNING userid""",
        userid, secret_sealed,
    )
    return row is not None


async def activate_totp_factor(conn: asyncpg.Connection, userid: int, *, secret_sealed: str, step: int) -> bool:
    """The pending factor (still the one checked) becomes active with `step` spent; False when it changed meanwhile."""
    return (
        await conn.fetchval(
            """UPDATE session.totp_factors SET confirmed_at = now(), last_step = $3
               WHERE userid = $1 AND secret_sealed = $2 AND confirmed_at IS NULL RETURNING userid""",
            userid, secret_sealed, step,
        )
        is not None
    )


async def spend_totp_step(db: Db, userid: int, step: int) -> bool:
    """Record `step` as used; False when it (or a later step) already was: the code is a replay."""
    return (
        await db.fetchval(
            """UPDATE session.totp_factors SET last_step = $2
               WHERE userid = $1 AND confirmed_at IS NOT NULL AND (last_step IS NULL OR last_step < $2) RETURNING userid""",
            userid, step,
        )
        is not None
    )


async def delete_totp_factor(conn: asyncpg.Connection, userid: int) -> bool:
    deleted = await conn.fetchval("DELETE FROM session.totp_factors WHERE userid = $1 RETURNING userid", userid)
    await conn.execute("DELETE FROM session.recovery_codes WHERE userid = $1", userid)
    return deleted is not None


async def replace_recovery_codes(conn: asyncpg.Connection, userid: int, code_hashes: list[str]) -> None:
    await conn.execute("DELETE FROM session.recovery_codes WHERE userid = $1", userid)
    await conn.executemany(
        "INSERT INTO session.recovery_codes (userid, code_hash) VALUES ($1, $2)", [(userid, h) for h in code_hashes]
    )


async def spend_recovery_code(db: Db, userid: int, code_hash: str) -> bool:
    """Mark an unused code used, in one statement, so two requests cannot both spend it."""
    return (
        await db.fetchval(
            """UPDATE session.recovery_codes SET used_at = now()
               WHERE userid = $1 AND code_hash = $2 AND used_at IS NULL RETURNING userid""",
            userid, code_hash,
        )
        is not None
    )


async def count_unused_recovery_codes(db: Db, userid: int) -> int:
    return await db.fetchval("SELECT count(*) FROM session.recovery_codes WHERE userid = $1 AND used_at IS NULL", userid)
