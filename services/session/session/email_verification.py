"""Email verification (docs/api.md §7): a single-use link proves the user reads mail at their address.

The link is bound to the address it was sent to: if the email changes before
the link is opened, it verifies nothing. Changing the email clears the flag
(repository.update_profile).
"""

from __future__ import annotations

import logging

import redis.asyncio as redis

from latchkey.errors import BadRequest, Conflict, NotFound
from latchkey.security_events import Client

from . import mails, repository, security_log
from .context import Context
from .repository import UserRecord


log = logging.getLogger("session.email_verification")


class InvalidVerificationToken(BadRequest):
    code = "invalid_verification_token"
    message = "This confirmation link is used, expired or unknown. Ask for a new one from your account page."


async def send_verification(ctx: Context, user: UserRecord, client: Client | None = None, method: str | None = None) -> bool:
    """Queue a verification mail for the user's current email; False when there is nothing to verify."""
    if not user.email or user.email_verified:
        return False
    token = await ctx.verification_tokens.issue({"userid": user.userid, "email": user.email})
    await ctx.outbox.put(
        mails.email_verification(
            to=user.email, public_url=ctx.settings.common.public_url, token=token, ttl=ctx.verification_tokens.ttl
        )
    )
    await security_log.record(ctx, security_log.EMAIL_VERIFICATION_SENT, user, client=client, method=method)
    return True


async def offer_verification(ctx: Context, user: UserRecord) -> None:
    """After a user is created or given a new email: a link, if mail can be queued now.

    The user exists either way; when Redis is out of reach the mail is skipped
    (logged) and the user can ask for one from the account page.
    """
    try:
        await send_verification(ctx, user)
    except (redis.RedisError, OSError) as error:
        log.warning("verification mail not queued", extra={"fields": {"userid": user.userid, "error": type(error).__name__}})


async def request_verification(ctx: Context, userid: int, client: Client, method: str | None) -> bool:
    """The signed-in user asks for a (new) link; False when the email is already verified."""
    user = await repository.find_user_by_id(ctx.db, userid)
    if user is None:
        raise NotFound("No such user.")
    if not user.email:
        raise Conflict("This account has no email address to confirm.", code="no_email")
    if user.email_verified:
        return False
    await ctx.mail_per_recipient.hit(f"user:{user.userid}")
    return await send_verification(ctx, user, client, method)


async def confirm(ctx: Context, token: object, client: Client) -> UserRecord:
    claim = await ctx.verification_tokens.take(token)
    if claim is None:
        raise InvalidVerificationToken()
    async with ctx.db.acquire() as conn, conn.transaction():
        user = await repository.mark_email_verified(conn, claim["userid"], claim["email"])
        if user is None:  # deleted, or the email changed since the link was sent
            raise InvalidVerificationToken()
        await security_log.record(ctx, security_log.EMAIL_VERIFIED, user, client=client, method="email_link", db=conn)
    return user
