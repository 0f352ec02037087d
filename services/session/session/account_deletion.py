"""A user deletes their own account (DELETE /api/1/users/me).

Order matters: the account's OpenID links go first (oidc-link owns them; the
call is idempotent), so an oidc-link that is down leaves the account whole and
the user can simply try again. Then the row goes, and with it the API key;
every session and cached credential ends at once. The email is free to
register again afterwards.

A user provisioned by an organization (one with a `userName`) belongs to that
organization, which deletes it through its own deprovision route, unless the
organization's `usersMayDeleteThemselves` setting lets its users do it here
(org-provisioning owns the setting and is asked each time: a change applies at
once, and an org-provisioning that is down is a 503 that deletes nothing).

With two-factor on, the password alone is not enough: a fresh code (or an
unused recovery code) is asked too, counted towards the same lockout, so a
stolen session plus a phished password cannot erase the account. A provisioned
user who never had a password is told to choose one first (forgotten password):
the password is always asked, so a stolen handoff session alone erases nothing.
"""

from __future__ import annotations

import logging

from latchkey.errors import Forbidden, ValidationFailed
from latchkey.security import keyed_hash
from latchkey.security_events import Client

from . import mfa, repository, security_log
from .account import current_user
from .context import Context
from .peers import Peers
from .reauthentication import confirm_password
from .users import end_everything

log = logging.getLogger("session.account_deletion")


class ManagedByOrganization(Forbidden):
    code = "managed_by_organization"
    message = "This account belongs to your organization; ask it to remove the account."


async def delete_own_account(
    ctx: Context,
    peers: Peers,
    userid: int,
    *,
    password: object,
    code: object = None,
    client: Client,
    method: str | None,
) -> None:
    user = await current_user(ctx, userid)
    if user.user_name is not None and user.partnerid is not None:
        if not await peers.organizations.users_may_delete_themselves(user.partnerid):
            raise ManagedByOrganization()
    await confirm_password(ctx, user, password, address=client.address)
    if await mfa.second_factor_due(ctx, user.userid):
        await _confirm_second_factor(ctx, user.userid, user.email, code, address=client.address)
    removed_links = await peers.linked_accounts.forget(user.userid)
    async with ctx.db.acquire() as conn, conn.transaction():
        await repository.delete_user(conn, user.userid)
        # The account's security log stays for its retention (rows name the user id, never the email);
        # this last row keeps only a keyed hash, enough to answer "was this address's account deleted?".
        detail = {"emailHash": keyed_hash(ctx.cache_hmac_key, user.email.lower())} if user.email else {}
        await security_log.record(ctx, security_log.ACCOUNT_DELETED, user, client=client, method=method, db=conn, detail=detail)
    await end_everything(ctx, user)
    log.info("account deleted by its user", extra={"fields": {"userid": user.userid, "removed_links": removed_links}})


async def _confirm_second_factor(ctx: Context, userid: int, email: str | None, code: object, *, address: str | None) -> None:
    if not isinstance(code, str) or not code.strip():
        raise ValidationFailed({"code": "is required when two-factor sign-in is on"})
    attempt = await ctx.limiter.reserve(email, address) if email else ctx.limiter.uncounted()
    async with attempt.unless(ValidationFailed):  # a wrong code counts; an outage gives the place back
        try:
            await mfa.verify_second_factor(ctx, userid, code)
        except mfa.InvalidMfaCode as error:
            raise ValidationFailed({"code": "is not a current or unused code"}, error.message) from None
    await attempt.succeeded()
