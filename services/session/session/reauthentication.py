"""Asking a signed-in user for their password again before a change that cannot be undone.

Wrong guesses count towards the same lockout as logins (per email and per
address), so a stolen session cannot be used to guess the password here.
"""

from __future__ import annotations

from latchkey.errors import ValidationFailed

from .context import Context
from .repository import UserRecord


async def confirm_password(ctx: Context, user: UserRecord, password: object, *, address: str | None, field: str = "password") -> None:
    if user.password_hash is None:  # provisioned without one: no guess can match, so say what to do instead
        raise ValidationFailed({field: "is not set on this account: choose one with 'Forgot password' first"})
    if not isinstance(password, str) or not password:
        raise ValidationFailed({field: "is required"})
    attempt = await ctx.limiter.reserve(user.email, address) if user.email else ctx.limiter.uncounted()
    async with attempt:  # an outage mid-check is not a wrong guess
        matches = await ctx.passwords.verify(user.password_hash, password)
    if not matches:
        raise ValidationFailed({field: "does not match the current password"})
    await attempt.succeeded()
