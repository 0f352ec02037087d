"""Sign-up (POST /api/1/users): anyone creates an account with an email and a password, when the operator allows it.

The answer and its timing never tell whether the email already has an account:
the password is hashed and the insert tried either way, and the one mail that
follows (a verification link for a new account, a notice for a taken address)
goes out in the background. The password rules and argon2id are the login's.
A signed-up user has no organization (`partnerid` 0 in the account API) and
the role USER; with REQUIRE_VERIFIED_EMAIL they sign in once the link is followed.
"""

from __future__ import annotations

import logging

from latchkey.errors import Conflict, NotFound, ValidationFailed
from latchkey.security import keyed_hash, short_fingerprint
from latchkey.security_events import Client
from latchkey.user_fields import email_problem, name_problem

from . import email_verification, mails, security_log
from .context import Context
from .passwords import check_new_password
from .users import create_user

log = logging.getLogger("session.signup")


class SignupDisabled(NotFound):
    code = "signup_disabled"
    message = "Accounts are created by the operator or your organization here."


def check_signup(body: dict) -> tuple[str, str, str]:
    email = body.get("email").strip() if isinstance(body.get("email"), str) else body.get("email")
    problems = {}
    if problem := email_problem(email):
        problems["email"] = problem
    name = body.get("name", "")
    if name != "" and (problem := name_problem(name)):
        problems["name"] = problem
    try:
        check_new_password(body.get("password"), "password")
    except ValidationFailed as error:
        problems.update(error.fields)
    if problems:
        raise ValidationFailed(problems)
    return email, body["password"], name or email.split("@", 1)[0]


async def sign_up(ctx: Context, body: dict, client: Client) -> None:
    if not ctx.settings.signup_enabled:
        raise SignupDisabled()
    email, password, name = check_signup(body)
    # Every sign-up sends one mail, so the mail limits hold it: per address asked for, per client address.
    await ctx.mail_per_recipient.hit(keyed_hash(ctx.cache_hmac_key, email.lower()))
    if client.address:
        await ctx.mail_per_address.hit(client.address)
    password_hash = await ctx.passwords.hash(password)  # also for a taken email: the same cost
    try:
        user = await create_user(ctx, email=email, password_hash=password_hash, partnerid=None, role="USER", name=name)
    except Conflict:
        log.info("sign-up on a taken email", extra={"fields": {"email": short_fingerprint(email.lower())}})
        ctx.background.spawn(_tell_owner(ctx, email), name="signup-taken-mail")
        return
    ctx.background.spawn(_welcome(ctx, user, client), name="signup-verification-mail")


async def _welcome(ctx: Context, user, client: Client) -> None:
    await security_log.record(ctx, security_log.ACCOUNT_CREATED, user, client=client, method="signup")
    await email_verification.send_verification(ctx, user, client, "signup")


async def _tell_owner(ctx: Context, email: str) -> None:
    await ctx.outbox.put(mails.signup_on_taken_email(to=email, public_url=ctx.settings.common.public_url))
