"""Changing a password: new hash, new credential version, other sessions and cached Basic end."""

from __future__ import annotations

import logging

from latchkey.security_events import Client

from . import repository, security_log
from .context import Context
from .credentials import new_credential_version, revoke_cached
from .passwords import check_new_password
from .reauthentication import confirm_password
from .repository import UserRecord
from .users import require_user

log = logging.getLogger("session.password_changes")


async def change_password(
    ctx: Context, userid: int, *, current: str, new: str, keep_session: str | None, client: Client, method: str | None
) -> int:
    """The user changes their own password; returns how many other sessions ended.

    A user without a password yet (provisioned by their organization) may set
    one without `current`. Wrong guesses of `current` count towards the lockout.
    """
    check_new_password(new, "newPassword")
    user = await require_user(ctx, userid)
    address = client.address
    if user.password_hash is not None:
        await confirm_password(ctx, user, current, address=address, field="currentPassword")
    return await replace_password(
        ctx, user, new, keep_session=keep_session, event=security_log.PASSWORD_CHANGED, client=client, method=method
    )


async def set_password(ctx: Context, user: UserRecord, password: str) -> None:
    """An operator sets the password: every session of the user ends."""
    check_new_password(password)
    await replace_password(
        ctx, user, password, keep_session=None, event=security_log.PASSWORD_SET_BY_OPERATOR, client=None, method=None,
        actor="operator",
    )


async def replace_password(
    ctx: Context,
    user: UserRecord,
    password: str,
    *,
    keep_session: str | None,
    event: str,
    client: Client | None,
    method: str | None,
    actor: str | None = None,
) -> int:
    """New hash and credential version (recorded with `event` in one transaction), then cached Basic and sessions end."""
    password_hash = await ctx.passwords.hash(password)
    async with ctx.db.acquire() as conn, conn.transaction():
        await repository.update_password(conn, user.userid, password_hash=password_hash, credential_version=new_credential_version())
        await security_log.record(ctx, event, user, client=client, method=method, db=conn, actor=actor)
    await revoke_cached(ctx, emails=(user.email,))
    ended = await ctx.sessions.destroy_all(user.userid, except_id=keep_session)
    log.info("password changed", extra={"fields": {"userid": user.userid, "ended_sessions": ended}})
    return ended
