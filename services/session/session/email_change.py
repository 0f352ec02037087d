"""Changing the account's email (POST /api/1/users/me/email, then the link mailed to the new address).

Asking needs the password again; the new address gets a single-use link and
the old one a notice. Nothing changes until the link is followed: then the
email changes (already verified: the link proves it), the credential version
is new, so cached Basic with the old email stops at once, and every session
but the one that asked ends. The link is bound to the credential version, so
a password change in between voids it. A taken address gets the same answer
and a link that can only fail, so the answer tells nothing.
"""

from __future__ import annotations

import logging

import asyncpg

from latchkey.errors import BadRequest, ValidationFailed
from latchkey.security_events import Client
from latchkey.user_fields import email_problem

from . import mails, repository, security_log
from .account import current_user
from .account_deletion import ManagedByOrganization
from .context import Context
from .credentials import new_credential_version, revoke_cached
from .reauthentication import confirm_password
from .repository import UserRecord

log = logging.getLogger("session.email_change")


class InvalidEmailChangeToken(BadRequest):
    code = "invalid_email_change_token"
    message = "This confirmation link is used, expired, unknown or no longer valid. Ask for a new one from your account page."


async def request_change(
    ctx: Context, userid: int, body: dict, *, client: Client, keep_session: str | None, method: str | None
) -> None:
    user = await current_user(ctx, userid)
    if user.user_name is not None:
        raise ManagedByOrganization()
    new_email = body.get("newEmail").strip() if isinstance(body.get("newEmail"), str) else body.get("newEmail")
    if problem := email_problem(new_email):
        raise ValidationFailed({"newEmail": problem})
    if user.email and new_email.lower() == user.email.lower():
        raise ValidationFailed({"newEmail": "is already this account's email"})
    await confirm_password(ctx, user, body.get("password"), address=client.address)
    await ctx.mail_per_recipient.hit(f"user:{user.userid}")
    token = await ctx.email_change_tokens.issue(
        {"userid": user.userid, "email": new_email, "cv": user.credential_version, "keep": keep_session}
    )
    public_url = ctx.settings.common.public_url
    ttl = ctx.email_change_tokens.ttl
    await ctx.outbox.put(mails.email_change_confirmation(to=new_email, public_url=public_url, token=token, ttl=ttl))
    if user.email:
        await ctx.outbox.put(mails.email_change_notice(to=user.email, public_url=public_url, new_email=new_email))
    await security_log.record(ctx, security_log.EMAIL_CHANGE_REQUESTED, user, client=client, method=method)


async def confirm_change(ctx: Context, token: object, client: Client) -> UserRecord:
    claim = await ctx.email_change_tokens.take(token)
    if claim is None:
        raise InvalidEmailChangeToken()
    user = await repository.find_user_by_id(ctx.db, claim["userid"])
    if user is None or user.disabled or user.credential_version != claim["cv"]:
        raise InvalidEmailChangeToken()
    try:
        async with ctx.db.acquire() as conn, conn.transaction():
            updated = await repository.change_email(conn, user.userid, email=claim["email"], credential_version=new_credential_version())
            if updated is None:  # deleted meanwhile
                raise InvalidEmailChangeToken()
            await security_log.record(ctx, security_log.EMAIL_CHANGED, updated, client=client, method="email_link", db=conn)
    except asyncpg.UniqueViolationError:  # the address has an account (taken meanwhile, or all along)
        raise InvalidEmailChangeToken() from None
    await revoke_cached(ctx, emails=(user.email, updated.email), api_key_hash=user.api_key_hash)
    ended = await ctx.sessions.destroy_all(user.userid, except_id=claim.get("keep"))
    log.info("email changed", extra={"fields": {"userid": user.userid, "ended_sessions": ended}})
    return updated
