"""Forgotten password (docs/api.md §7): a single-use link by mail, then a new password that ends everything else.

The request answers the same, in the same time, whatever the email: it only
counts the attempt (per email and per address) and hands the rest (finding the
user, issuing the token, queueing the mail) to background work. The token is
bound to the user's credential version, so a later password change, email
change or disable voids every outstanding link.
"""

from __future__ import annotations

import logging

from latchkey.errors import BadRequest
from latchkey.security import keyed_hash, short_fingerprint
from latchkey.security_events import Client

from . import mails, repository, security_log
from .authentication import same_email
from .context import Context
from .password_changes import replace_password
from .passwords import check_new_password
from .repository import UserRecord

log = logging.getLogger("session.password_reset")


class InvalidResetToken(BadRequest):
    code = "invalid_reset_token"
    message = "This reset link is used, expired or unknown. Ask for a new one."


async def request_reset(ctx: Context, email: str, client: Client) -> None:
    """Count the request (RateLimited past the limits), then mail a link in the background if the account exists."""
    normalized = email.strip().lower()
    names = [keyed_hash(ctx.cache_hmac_key, normalized)]
    await ctx.mail_per_recipient.hit(*names)
    if client.address:
        await ctx.mail_per_address.hit(client.address)
    ctx.background.spawn(_mail_link(ctx, email, client), name="password-reset-mail")


async def _mail_link(ctx: Context, email: str, client: Client) -> None:
    user = same_email(await repository.find_user_by_email(ctx.db, email.strip()), email)
    if user is None or user.disabled or not user.email:
        log.info("password reset for no account", extra={"fields": {"email": short_fingerprint(email.strip().lower())}})
        return
    token = await ctx.reset_tokens.issue({"userid": user.userid, "cv": user.credential_version})
    settings = ctx.settings
    await ctx.outbox.put(
        mails.password_reset(to=user.email, public_url=settings.common.public_url, token=token, ttl=ctx.reset_tokens.ttl)
    )
    await security_log.record(ctx, security_log.PASSWORD_RESET_REQUESTED, user, client=client, method=None)


async def confirm_reset(ctx: Context, token: object, new_password: str, client: Client) -> UserRecord:
    """Spend the token on a new password; every session and cached Basic credential of the user ends."""
    check_new_password(new_password, "newPassword")  # before taking the token, so a weak choice does not spend it
    claim = await ctx.reset_tokens.take(token)
    if claim is None:
        raise InvalidResetToken()
    user = await repository.find_user_by_id(ctx.db, claim["userid"])
    if user is None or user.disabled or user.credential_version != claim["cv"]:
        raise InvalidResetToken()
    await replace_password(
        ctx, user, new_password, keep_session=None, event=security_log.PASSWORD_RESET, client=client, method="email_link"
    )
    if user.email:
        await ctx.limiter.forgive(user.email)  # proven owner: the email's failed sign-ins are forgiven
    return user
