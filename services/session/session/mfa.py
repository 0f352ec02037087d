"""Two-factor sign-in with an authenticator app (docs/api.md §8): enrol, confirm, check a code, turn off.

The TOTP secret is sealed with the shared AES-GCM box (bound to the user), so
a database dump yields no usable secret; recovery codes are stored as SHA-256
hashes (80 random bits each, so a plain hash cannot be reversed by guessing).
Every accepted code is spent in the same UPDATE that checks it, so a code
(or a recovery code) works once even when two requests race.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from latchkey.errors import Conflict, LatchkeyError, ValidationFailed
from latchkey.security import lookup_hash, recovery_code
from latchkey.security_events import Client

from . import mfa_repository as store, repository, security_log, totp
from .context import Context
from .credentials import new_credential_version, revoke_cached
from .users import require_user

log = logging.getLogger("session.mfa")

RECOVERY_CODES = 10


class InvalidMfaCode(LatchkeyError):
    status = 401
    code = "invalid_mfa_code"
    message = "That code is not right. Check your authenticator app and try again."


@dataclass(frozen=True, slots=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_svg: str


@dataclass(frozen=True, slots=True)
class Status:
    enabled: bool
    pending: bool
    recovery_codes_left: int


def _associated(userid: int) -> str:
    return f"totp:{userid}"


def normalised_recovery_code(code: str) -> str:
    """What the user typed, as it was issued: lowercase, without spaces or dashes."""
    return "".join(ch for ch in code.lower() if ch not in " -")


async def status(ctx: Context, userid: int) -> Status:
    factor = await store.find_totp_factor(ctx.db, userid)
    left = await store.count_unused_recovery_codes(ctx.db, userid) if factor and factor.enabled else 0
    return Status(enabled=bool(factor and factor.enabled), pending=bool(factor and not factor.enabled), recovery_codes_left=left)


async def second_factor_due(ctx: Context, userid: int) -> bool:
    return await store.totp_enabled(ctx.db, userid)


async def begin_enrolment(ctx: Context, userid: int) -> Enrolment:
    """A new secret, not active until a code from it is confirmed (so a half-done scan locks nobody out)."""
    user = await require_user(ctx, userid)
    secret = totp.new_secret()
    if not await store.save_pending_totp_factor(ctx.db, userid, ctx.box.seal(secret, _associated(userid))):
        raise Conflict("Two-factor sign-in is already on. Turn it off first to use another app.", code="mfa_already_enabled")
    uri = totp.provisioning_uri(secret, user.email or user.user_name or str(userid), ctx.settings.totp_issuer)
    log.info("totp enrolment started", extra={"fields": {"userid": userid}})
    return Enrolment(secret=secret, otpauth_uri=uri, qr_svg=totp.qr_svg(uri))


async def confirm_enrolment(
    ctx: Context, userid: int, code: str, *, client: Client | None = None, method: str | None = None
) -> list[str]:
    """Turn the pending factor on with its first code; returns the recovery codes (shown once, kept hashed)."""
    factor = await store.find_totp_factor(ctx.db, userid)
    if factor is None or factor.enabled:
        raise Conflict("Start setting up two-factor sign-in first.", code="mfa_not_pending")
    secret = ctx.box.open(factor.secret_sealed, _associated(userid))
    step = totp.matching_step(secret, code.replace(" ", ""), ctx.clock())
    if step is None:
        raise ValidationFailed({"code": "is not the current code of your authenticator app"}, "That code is not right.")
    codes = [recovery_code() for _ in range(RECOVERY_CODES)]
    user = await require_user(ctx, userid)
    async with ctx.db.acquire() as conn, conn.transaction():
        if not await store.activate_totp_factor(conn, userid, secret_sealed=factor.secret_sealed, step=step):
            raise Conflict("Two-factor setup changed meanwhile; start again.", code="mfa_not_pending")
        await store.replace_recovery_codes(conn, userid, [lookup_hash(normalised_recovery_code(c)) for c in codes])
        # A new credential version, so a Basic check racing with this cannot leave a cached pass behind.
        await repository.replace_credential_version(conn, userid, new_credential_version())
        await security_log.record(ctx, security_log.TOTP_ENABLED, user, client=client, method=method, db=conn)
    await revoke_cached(ctx, emails=(user.email,))
    log.info("totp enabled", extra={"fields": {"userid": userid}})
    return codes


async def verify_second_factor(ctx: Context, userid: int, code: str) -> str:
    """Spend `code` (a current TOTP code, or an unused recovery code); returns the amr it proves.

    InvalidMfaCode when it is neither, or was already used.
    """
    compact = code.replace(" ", "")
    if compact.isascii() and compact.isdigit():
        factor = await store.find_totp_factor(ctx.db, userid)
        if factor is None or not factor.enabled:
            raise InvalidMfaCode()
        step = totp.matching_step(ctx.box.open(factor.secret_sealed, _associated(userid)), compact, ctx.clock())
        if step is None:
            raise InvalidMfaCode()
        if not await store.spend_totp_step(ctx.db, userid, step):
            raise InvalidMfaCode("That code was already used. Wait for the next one.")
        return "otp"
    normalised = normalised_recovery_code(code)
    if not normalised or len(normalised) > 64 or not await store.spend_recovery_code(ctx.db, userid, lookup_hash(normalised)):
        raise InvalidMfaCode("That code is not right, or that recovery code was already used.")
    log.info("recovery code used", extra={"fields": {"userid": userid}})
    return "recovery_code"


async def disable(
    ctx: Context, userid: int, *, password: str, code: str, client: Client | None = None, method: str | None = None
) -> None:
    """Turn two-factor off: the password (when the user has one) and a code, both counting towards the lockout."""
    address = client.address if client else None
    user = await require_user(ctx, userid)
    if not await store.totp_enabled(ctx.db, userid):
        raise Conflict("Two-factor sign-in is not on.", code="mfa_not_enabled")
    attempt = await ctx.limiter.reserve(user.email, address) if user.email else ctx.limiter.uncounted()
    async with attempt.unless(ValidationFailed):  # wrong password or code count; an outage gives the place back
        if user.password_hash is not None and not await ctx.passwords.verify(user.password_hash, password):
            raise ValidationFailed({"password": "does not match your password"}, "That password is not right.")
        try:
            await verify_second_factor(ctx, userid, code)
        except InvalidMfaCode as error:
            raise ValidationFailed({"code": "is not a current or unused code"}, error.message) from None
    await attempt.succeeded()
    async with ctx.db.acquire() as conn, conn.transaction():
        await store.delete_totp_factor(conn, userid)
        await security_log.record(ctx, security_log.TOTP_DISABLED, user, client=client, method=method, db=conn)
    log.info("totp disabled", extra={"fields": {"userid": userid}})
