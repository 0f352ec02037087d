"""The user's security log (docs/api.md §7): what the session service records, and reading it back.

Event names are listed here, once. A row never holds a secret: only the names
below, ids, counts, addresses, user agents and methods.
"""

from __future__ import annotations

from typing import Any

from latchkey.errors import NotFound, ValidationFailed
from latchkey.security_events import Client, Db, Event

from . import repository

from .context import Context
from .repository import UserRecord

LOGIN_SUCCEEDED = "login.succeeded"
LOGIN_FAILED = "login.failed"  # a known account: wrong password, disabled, or email not verified
LOGOUT = "logout"
LOGOUT_EVERYWHERE = "logout.everywhere"
SESSION_REVOKED = "session.revoked"  # one session ended from the sessions list
PASSWORD_CHANGED = "password.changed"
PASSWORD_SET_BY_OPERATOR = "password.set_by_operator"
PASSWORD_RESET_REQUESTED = "password.reset_requested"
PASSWORD_RESET = "password.reset"
API_KEY_REGENERATED = "api_key.regenerated"
TOTP_ENABLED = "mfa.totp_enabled"
TOTP_DISABLED = "mfa.totp_disabled"
EMAIL_VERIFICATION_SENT = "email.verification_sent"
EMAIL_VERIFIED = "email.verified"
ACCOUNT_CREATED = "account.created"  # by sign-up
PROFILE_UPDATED = "profile.updated"
EMAIL_CHANGE_REQUESTED = "email.change_requested"
EMAIL_CHANGED = "email.changed"
ACCOUNT_DELETED = "account.deleted"  # the row keeps only a keyed hash of the email
SSO_LINKED = "sso.linked"  # reported by oidc-link (POST /internal/users/{userid}/events)
SSO_UNLINKED = "sso.unlinked"
# What other services may report, by caller: they own the action, session owns the user's log.
REPORTABLE = {"oidc-link": frozenset({SSO_LINKED, SSO_UNLINKED})}


async def record(
    ctx: Context,
    event: str,
    user: UserRecord | None = None,
    *,
    user_id: int | None = None,
    org_id: int | None = None,
    client: Client | None,
    method: str | None,
    db: Db | None = None,
    actor: str | None = None,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """One row; pass `db` (a connection in a transaction) to commit it with the change it records."""
    await ctx.events.record(
        db or ctx.db,
        event,
        client=client,
        method=method,
        user_id=user.userid if user else user_id,
        org_id=user.partnerid if user else org_id,
        actor=actor,
        subject=subject,
        detail=detail,
    )


async def report(ctx: Context, caller: str, userid: int, body: dict[str, Any]) -> None:
    """An event another service owns (`REPORTABLE`), recorded in the user's log."""
    event, subject, method = body.get("event"), body.get("subject"), body.get("method")
    if event not in REPORTABLE.get(caller, ()):
        raise ValidationFailed({"event": f"is not an event {caller} reports"})
    if subject is not None and not (isinstance(subject, str) and len(subject) <= 128):
        raise ValidationFailed({"subject": "must be a short string"})
    if method is not None and not (isinstance(method, str) and len(method) <= 64):
        raise ValidationFailed({"method": "must be a short string"})
    user = await repository.find_user_by_id(ctx.db, userid)
    if user is None:
        raise NotFound("No such user.")
    await record(ctx, event, user, client=Client.from_json(body.get("client")), method=method, subject=subject)


async def user_events(ctx: Context, userid: int, *, limit: int, cursor: int | None) -> tuple[list[Event], str | None]:
    return await ctx.events.page(ctx.db, column="user_id", value=userid, limit=limit, before=cursor)
