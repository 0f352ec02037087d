"""A user deletes their own account (DELETE /api/1/users/me).

Order matters: the account's OpenID links go first (oidc-link owns them; the
call is idempotent), so an oidc-link that is down leaves the account whole and
the user can simply try again. Then the row goes, and with it the API key;
every session and cached credential ends at once. The email is free to
register again afterwards.

A user provisioned by an organization (one with a `userName`) belongs to that
organization, which deletes it through its own deprovision route.
"""

from __future__ import annotations

import logging

from latchkey.errors import Forbidden

from . import repository
from .account import current_user
from .context import Context
from .linked_accounts import LinkedAccounts
from .reauthentication import confirm_password
from .users import end_everything

log = logging.getLogger("session.account_deletion")


class ManagedByOrganization(Forbidden):
    code = "managed_by_organization"
    message = "This account belongs to your organization; ask it to remove the account."


async def delete_own_account(
    ctx: Context, linked_accounts: LinkedAccounts, userid: int, *, password: object, address: str | None
) -> None:
    user = await current_user(ctx, userid)
    if user.user_name is not None:
        raise ManagedByOrganization()
    await confirm_password(ctx, user, password, address=address)
    removed_links = await linked_accounts.forget(user.userid)
    await repository.delete_user(ctx.db, user.userid)
    await end_everything(ctx, user)
    log.info("account deleted by its user", extra={"fields": {"userid": user.userid, "removed_links": removed_links}})
