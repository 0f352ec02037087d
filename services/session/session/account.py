"""The signed-in user's own account: who they are and their current session."""

from __future__ import annotations

from dataclasses import dataclass

from latchkey.errors import NotFound, SessionExpired, Unauthenticated
from latchkey.security_events import Client
from latchkey.tokens import Principal

from . import repository, security_log
from .context import Context
from .repository import UserRecord
from .sessions import SessionView, public_id


class SessionNotFound(NotFound):
    code = "session_not_found"
    message = "You have no live session with this id."


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


def method_of(principal: Principal) -> str:
    return ",".join(principal.amr)


async def end_session(ctx: Context, principal: Principal, client: Client | None = None) -> None:
    if principal.sid is not None and await ctx.sessions.destroy(principal.sid):
        await security_log.record(ctx, security_log.LOGOUT, user_id=principal.user_id, org_id=principal.org, client=client,
                                  method=method_of(principal), subject=public_id(principal.sid))


async def end_all_sessions(ctx: Context, principal: Principal, client: Client | None = None) -> int:
    ended = await ctx.sessions.destroy_all(principal.user_id)
    await security_log.record(ctx, security_log.LOGOUT_EVERYWHERE, user_id=principal.user_id, org_id=principal.org,
                              client=client, method=method_of(principal), detail={"ended": ended})
    return ended


def is_current(principal: Principal, session_id: str) -> bool:
    return principal.sid is not None and public_id(principal.sid) == session_id


async def list_sessions(ctx: Context, principal: Principal) -> tuple[list[SessionView], str | None]:
    """The user's live sessions, and the public id of the one making this request (None for Basic / API key)."""
    views = await ctx.sessions.list_for_user(principal.user_id)
    return views, public_id(principal.sid) if principal.sid else None


async def revoke_session(ctx: Context, principal: Principal, session_id: str, client: Client | None = None) -> None:
    """End one of the caller's own sessions (another user's id is simply not found)."""
    if not await ctx.sessions.destroy_by_public_id(principal.user_id, session_id):
        raise SessionNotFound()
    await security_log.record(ctx, security_log.SESSION_REVOKED, user_id=principal.user_id, org_id=principal.org,
                              client=client, method=method_of(principal), subject=session_id)
