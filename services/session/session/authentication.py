"""Password authentication with lockout, and opening sessions for users."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from latchkey import credential_cache
from latchkey.errors import Conflict, Forbidden, InvalidCredentials
from latchkey.security import short_fingerprint

from . import repository
from .context import Context
from .credentials import revoke_cached
from .repository import UserRecord
from .sessions import Session
from .users import require_user

log = logging.getLogger("session.authentication")

INTERACTIVE = frozenset({"oauth"})


async def authenticate(ctx: Context, email: str, password: str, *, address: str | None) -> UserRecord:
    """The user whose email and password these are; the same InvalidCredentials (and cost) for any failure."""
    # The attempt counts as a failure from here on (so concurrent guesses cannot all pass), until it succeeds.
    await ctx.limiter.reserve(email, address)
    user = _same_email(await repository.find_user_by_email(ctx.db, email), email)
    matches = await ctx.passwords.verify(user.password_hash if user else None, password)
    if user is None or not matches or user.disabled:
        log.info("password rejected", extra={"fields": {"email": short_fingerprint(email.strip().lower())}})
        raise InvalidCredentials()
    await ctx.limiter.release(email, address)
    if ctx.passwords.needs_rehash(user.password_hash):
        new_hash = await ctx.passwords.hash(password)
        await repository.upgrade_password_hash(ctx.db, user.userid, old_hash=user.password_hash, new_hash=new_hash)
    return user


def _same_email(user: UserRecord | None, email: str) -> UserRecord | None:
    """The user, if `email` is theirs in the lowercase that keys lockout counters and cached Basic.

    PostgreSQL's lower() follows the database locale: under a UTF-8 one it maps
    'İ' to 'i' where Python gives 'i̇', so a variant could reach the row with its
    own lockout counter and a cache version that revocation never deletes.
    """
    if user is None or (user.email or "").strip().lower() != email.strip().lower():
        return None
    return user


async def login(ctx: Context, email: str, password: str, *, address: str | None) -> tuple[str, Session, UserRecord]:
    """Password login: always a new session under a new key."""
    user = await authenticate(ctx, email, password, address=address)
    sesskey, session = await ctx.sessions.create(
        user_id=user.userid, org_id=user.partnerid, role=user.role, perms=INTERACTIVE, amr=("pwd",)
    )
    if not await _still_current(ctx, user, session):  # e.g. the password changed while we checked the old one
        raise InvalidCredentials()
    log.info("login", extra={"fields": {"userid": user.userid, "sid": session.id[:8]}})
    return sesskey, session, user


async def _still_current(ctx: Context, user: UserRecord, session: Session) -> bool:
    """False (and the new session ended) when a change that ends sessions landed while it opened.

    Password, role, disable and deletion give the user a new credential version
    (or remove the row), then end every session. A session added before that
    sweep is ended by it; one added after it sees the new version here.
    """
    if await repository.find_credential_version(ctx.db, user.userid) == user.credential_version:
        return True
    await ctx.sessions.destroy(session.id)
    return False


async def verify_password_credential(ctx: Context, email: str, password: str, *, address: str | None = None) -> UserRecord:
    """HTTP Basic for the gateway: check, then publish the user's credential version for its cache."""
    user = await authenticate(ctx, email, password, address=address)
    await credential_cache.publish_credential_version(ctx.redis, ctx.cache_hmac_key, email, user.credential_version)
    # A change that landed while we checked (new version in the database, then the cache
    # entry deleted) could have been overwritten by our publish: read again, and undo it.
    if await repository.find_credential_version(ctx.db, user.userid) != user.credential_version:
        await revoke_cached(ctx, emails=(email,))
        raise InvalidCredentials()
    return user


async def open_session(ctx: Context, userid: int, *, amr: Iterable[str], perms: Iterable[str]) -> tuple[str, Session, UserRecord]:
    """A session for a user another service vouched for (organization SSO handoff, OIDC login)."""
    amr, perms = tuple(amr), frozenset(perms)
    for _attempt in range(2):  # a change while opening (say, a new role) is read afresh once
        user = await require_user(ctx, userid)
        if user.disabled:
            raise Forbidden("This user is disabled.", code="user_disabled")
        sesskey, session = await ctx.sessions.create(
            user_id=user.userid, org_id=user.partnerid, role=user.role, perms=perms, amr=amr
        )
        if await _still_current(ctx, user, session):
            return sesskey, session, user
    raise Conflict("The user changed while the session opened; try again.", code="user_changed")
