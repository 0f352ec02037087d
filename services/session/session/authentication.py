"""Password authentication with lockout, and opening sessions for users."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from latchkey import credential_cache
from latchkey.errors import Conflict, Forbidden, InvalidCredentials, LatchkeyError, MfaRequired
from latchkey.security import short_fingerprint
from latchkey.security_events import Client

from . import mfa, mfa_challenges, repository, security_log
from .context import Context
from .credentials import revoke_cached
from .repository import UserRecord
from .sessions import Session, public_id
from .users import require_user

log = logging.getLogger("session.authentication")

INTERACTIVE = frozenset({"oauth"})
NO_CLIENT = Client()


class EmailNotVerified(Forbidden):
    code = "email_not_verified"
    message = "Confirm your email address first: open the link we mailed you, or ask for a new one."


async def check_password(
    ctx: Context, email: str, password: str, *, client: Client = NO_CLIENT, method: str = "pwd"
) -> tuple[UserRecord, bool]:
    """The user whose email and password these are, and whether a second factor is still due.

    The same InvalidCredentials (and cost) for any failure.
    """
    address = client.address
    # The attempt counts as a failure from here on (so concurrent guesses cannot all pass), until it succeeds;
    # a database that fails mid-check gives the place back (an outage must not lock anyone out).
    # A locked-out attempt is not logged: it costs nothing to repeat, and would flood the user's log.
    attempt = await ctx.limiter.reserve(email, address)
    async with attempt:
        user, factor_due = await repository.find_user_signing_in(ctx.db, email) or (None, False)
        user = same_email(user, email)
        matches = await ctx.passwords.verify(user.password_hash if user else None, password)
    if user is None or not matches or user.disabled:
        log.info("password rejected", extra={"fields": {"email": short_fingerprint(email.strip().lower())}})
        if user is not None:
            await security_log.record(ctx, security_log.LOGIN_FAILED, user, client=client, method=method,
                                      detail={"reason": "disabled" if matches else "wrong_password"})
        raise InvalidCredentials()
    if ctx.settings.require_verified_email and user.email_verified_at is None:
        # Only after the right password, so the answer tells nothing to someone guessing.
        await attempt.succeeded()
        await security_log.record(ctx, security_log.LOGIN_FAILED, user, client=client, method=method,
                                  detail={"reason": "email_not_verified"})
        raise EmailNotVerified()
    if factor_due:
        # Only this attempt's place is given back: a right password alone must not forgive the wrong
        # second-step codes counted against this email, or the password would buy endless code guesses.
        await attempt.give_back()
        return user, True
    await attempt.succeeded()
    await _upgrade_hash(ctx, user, password)
    return user, False


async def authenticate(ctx: Context, email: str, password: str, *, client: Client = NO_CLIENT) -> UserRecord:
    """`check_password` for a credential that is the whole proof (HTTP Basic): MfaRequired when a code is due."""
    user, factor_due = await check_password(ctx, email, password, client=client, method="basic")
    if factor_due:
        raise MfaRequired(message="This user signs in with a second factor: use a session or the API key.")
    return user


async def _upgrade_hash(ctx: Context, user: UserRecord, password: str) -> None:
    if ctx.passwords.needs_rehash(user.password_hash):
        new_hash = await ctx.passwords.hash(password)
        await repository.upgrade_password_hash(ctx.db, user.userid, old_hash=user.password_hash, new_hash=new_hash)


def same_email(user: UserRecord | None, email: str) -> UserRecord | None:
    """The user, if `email` is theirs in the lowercase that keys lockout counters and cached Basic.

    PostgreSQL's lower() follows the database locale: under a UTF-8 one it maps
    'İ' to 'i' where Python gives 'i̇', so a variant could reach the row with its
    own lockout counter and a cache version that revocation never deletes.
    """
    if user is None or (user.email or "").strip().lower() != email.strip().lower():
        return None
    return user


async def login(ctx: Context, email: str, password: str, *, client: Client = NO_CLIENT) -> tuple[str, Session, UserRecord]:
    """Password login: always a new session under a new key; MfaRequired with a token when a code is due."""
    user, factor_due = await check_password(ctx, email, password, client=client)
    if factor_due:
        raise MfaRequired(mfa_token=await mfa_challenges.issue(ctx, user))
    return await _password_session(ctx, user, amr=("pwd",), client=client)


async def complete_login(
    ctx: Context, mfa_token: object, code: str, *, client: Client = NO_CLIENT
) -> tuple[str, Session, UserRecord]:
    """The second step: the password step's token and a code; answers exactly like `login`.

    Each try counts towards the lockout of the user's email and of this address, as a
    wrong password does; a wrong code keeps the token for another try until it expires.
    """
    address = client.address
    challenge = await mfa_challenges.take(ctx, mfa_token)
    user = await repository.find_user_by_id(ctx.db, challenge.userid)
    if user is None or user.disabled or user.credential_version != challenge.credential_version or not user.email:
        raise mfa_challenges.InvalidMfaToken()  # deleted, disabled or a new password since the password step
    try:
        attempt = await ctx.limiter.reserve(user.email, address)
    except LatchkeyError:
        await mfa_challenges.put_back(ctx, challenge)
        raise
    try:
        async with attempt.unless(mfa.InvalidMfaCode):  # a wrong code counts; an outage gives the place back
            method = await mfa.verify_second_factor(ctx, user.userid, code)
    except mfa.InvalidMfaCode:
        log.info("second factor rejected", extra={"fields": {"userid": user.userid}})
        await security_log.record(ctx, security_log.LOGIN_FAILED, user, client=client, method="pwd,mfa",
                                  detail={"reason": "wrong_code"})
        await mfa_challenges.put_back(ctx, challenge)
        raise
    await attempt.succeeded()
    return await _password_session(ctx, user, amr=("pwd", method), client=client)


async def _password_session(
    ctx: Context, user: UserRecord, *, amr: tuple[str, ...], client: Client
) -> tuple[str, Session, UserRecord]:
    sesskey, session = await ctx.sessions.create(
        user_id=user.userid, org_id=user.partnerid, role=user.role, perms=INTERACTIVE, amr=amr,
        address=client.address, user_agent=client.user_agent,
    )
    if not await _still_current(ctx, user, session):  # e.g. the password changed while we checked the old one
        raise InvalidCredentials()
    log.info("login", extra={"fields": {"userid": user.userid, "sid": session.id[:8], "amr": ",".join(amr)}})
    await security_log.record(ctx, security_log.LOGIN_SUCCEEDED, user, client=client, method=",".join(amr),
                              subject=public_id(session.id))
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


async def verify_password_credential(ctx: Context, email: str, password: str, *, client: Client = NO_CLIENT) -> UserRecord:
    """HTTP Basic for the gateway: check, then publish the user's credential version for its cache."""
    user = await authenticate(ctx, email, password, client=client)
    await credential_cache.publish_credential_version(ctx.redis, ctx.cache_hmac_key, email, user.credential_version)
    # A change that landed while we checked (new version in the database, then the cache
    # entry deleted) could have been overwritten by our publish: read again, and undo it.
    if await repository.find_credential_version(ctx.db, user.userid) != user.credential_version:
        await revoke_cached(ctx, emails=(email,))
        raise InvalidCredentials()
    return user


async def open_session(
    ctx: Context, userid: int, *, amr: Iterable[str], perms: Iterable[str], client: Client = NO_CLIENT
) -> tuple[str, Session, UserRecord]:
    """A session for a user another service vouched for (organization SSO handoff, OIDC login)."""
    amr, perms = tuple(amr), frozenset(perms)
    for _attempt in range(2):  # a change while opening (say, a new role) is read afresh once
        user = await require_user(ctx, userid)
        if user.disabled:
            raise Forbidden("This user is disabled.", code="user_disabled")
        if ctx.settings.mfa_required_for_handoff and await mfa.second_factor_due(ctx, userid):
            raise Forbidden("This user signs in with a second factor; use the password sign-in.", code="mfa_required")
        sesskey, session = await ctx.sessions.create(
            user_id=user.userid, org_id=user.partnerid, role=user.role, perms=perms, amr=amr,
            address=client.address, user_agent=client.user_agent,
        )
        if await _still_current(ctx, user, session):
            await security_log.record(ctx, security_log.LOGIN_SUCCEEDED, user, client=client, method=",".join(amr),
                                      subject=public_id(session.id))
            return sesskey, session, user
    raise Conflict("The user changed while the session opened; try again.", code="user_changed")
