"""Asking a signed-in user for their password again before a change that cannot be undone.

Wrong guesses count towards the same lockout as logins (per email and per
address), so a stolen session cannot be used to guess the password here.
"""

from __future__ import annotations

from latchkey.errors import ValidationFailed

from .context import Context
from .repository import UserRecord


async def confirm_password(ctx: Context, user: UserRecord, password: object, *, address: str | None, field: str = "password") -> None:
    if not isinstance(password, str) or not password:
        raise ValidationFailed({field: "is required"})
    if user.email:
        await ctx.limiter.reserve(user.email, address)
    if not await ctx.passwords.verify(user.password_hash, password):
        raise ValidationFailed({field: "does not match the current password"})
    if user.email:
        await ctx.limiter.release(user.email, address)
