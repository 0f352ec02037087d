"""The signed-in user's own account: who they are and their current session."""

from __future__ import annotations

from dataclasses import dataclass

from latchkey.errors import SessionExpired, Unauthenticated
from latchkey.tokens import Principal

from . import repository
from .context import Context
from .repository import UserRecord


@dataclass(frozen=True, slots=True)
class CurrentSession:
    user: UserRecord
    methods: tuple[str, ...]
    authenticated_at: float | None
    expires_at: float | None  # when it ends if left idle (never after the absolute expiry)
    absolute_expires_at: float | None


async def current_user(ctx: Context, userid: int) -> UserRecord:
    """The caller's user record; a deleted or disabled user is no longer signed in."""
    user = await repository.find_user_by_id(ctx.db, userid)
    if user is None or user.disabled:
        raise Unauthenticated("This user no longer exists or is disabled.")
    return user


async def current_session(ctx: Context, principal: Principal, userid: int) -> CurrentSession:
    """The principal's session; credentials without one (Basic) have no expiry to show."""
    user = await current_user(ctx, userid)
    if principal.sid is None:
        return CurrentSession(user, principal.amr, None, None, None)
    found = await ctx.sessions.inspect(principal.sid)
    if found is None:
        raise SessionExpired()
    session, deadline = found
    return CurrentSession(user, session.amr, session.authenticated_at, deadline, session.expires_at)


async def end_session(ctx: Context, principal: Principal) -> None:
    if principal.sid is not None:
        await ctx.sessions.destroy(principal.sid)


async def end_all_sessions(ctx: Context, userid: int) -> int:
    return await ctx.sessions.destroy_all(userid)
