"""Account links: a Latchkey user and an account at an OpenID provider."""

from __future__ import annotations

import logging

from latchkey.errors import Conflict, LatchkeyError, NotFound
from latchkey.inputs import storable_text
from latchkey.security_events import Client

from . import repository
from .context import SsoContext, StartedFlow, begin_flow
from .errors import LastSignInMethod, SsoFailed

log = logging.getLogger("oidc_link.links")
ACCOUNT_PAGE = "/account"
SSO_LINKED, SSO_UNLINKED = "sso.linked", "sso.unlinked"  # session.security_log.REPORTABLE


async def start_link(ctx: SsoContext, user_id: int, provider_id: str, return_to: str) -> StartedFlow:
    return await begin_flow(ctx, kind="link", provider_id=provider_id, user_id=user_id, return_to=return_to)


async def link_account(
    ctx: SsoContext, user_id: int, provider_id: str, subject: str, email: str | None, client: Client | None = None
) -> None:
    """Store the link the callback proved; refuse a provider account that belongs to someone else."""
    async with ctx.pool.acquire() as conn:
        inserted = await repository.insert_link(conn, user_id, provider_id, subject, email)
    if inserted:
        log.info("account linked", extra={"fields": {"user": user_id, "provider": provider_id}})
        await _report(ctx, user_id, SSO_LINKED, provider_id, client)
        return
    async with ctx.pool.acquire() as conn:
        existing = await repository.find_link_by_subject(conn, provider_id, subject)
        if existing is not None and existing.user_id == user_id:
            await repository.touch_link(conn, provider_id, subject, email)  # linking again is harmless
            return
    if existing is not None:
        fields = {"user": user_id, "provider": provider_id}
        log.warning("link refused: provider account linked to another user", extra={"fields": fields})
        raise SsoFailed(code="account_linked_elsewhere")
    raise SsoFailed(code="provider_already_linked")


async def list_linked(ctx: SsoContext, user_id: int) -> list[dict[str, str]]:
    links = await repository.list_links_of_user(ctx.pool, user_id)
    return [ctx.providers.public(link.issuer) for link in links]


async def get_linked(ctx: SsoContext, user_id: int, provider_id: str) -> dict[str, str]:
    # A path segment may carry NUL, which PostgreSQL text refuses: no such link either way.
    if storable_text(provider_id) is None or await repository.find_link(ctx.pool, user_id, provider_id) is None:
        raise NotFound("This provider is not linked to your account.", code="not_linked")
    return ctx.providers.public(provider_id)


async def unlink(ctx: SsoContext, user_id: int, provider_id: str, client: Client | None = None) -> None:
    """Remove a link, unless it is the user's last way to sign in."""
    async with ctx.pool.acquire() as conn, conn.transaction():
        # Locking the user's links serialises concurrent unlinks, so two
        # requests cannot each remove "the other" last link.
        issuers = await repository.lock_issuers_of_user(conn, user_id)
        if provider_id not in issuers:
            raise NotFound("This provider is not linked to your account.", code="not_linked")
        if len(issuers) == 1 and not (await ctx.sessions.get_user(user_id)).has_password:
            raise LastSignInMethod()
        if not await repository.delete_link(conn, user_id, provider_id):
            raise Conflict()
    log.info("account unlinked", extra={"fields": {"user": user_id, "provider": provider_id}})
    await _report(ctx, user_id, SSO_UNLINKED, provider_id, client)


async def _report(ctx: SsoContext, user_id: int, event: str, provider_id: str, client: Client | None) -> None:
    """Tell the session service, which keeps the user's security log; the link stands either way."""
    try:
        await ctx.sessions.report_event(user_id, event, subject=provider_id, client=client, method="oauth")
    except LatchkeyError as error:
        log.warning("security event not recorded", extra={"fields": {"user": user_id, "event": event, "error": error.code}})


async def forget_user(ctx: SsoContext, user_id: int) -> int:
    """The user's account is being deleted: every link goes (idempotent, so the owner may retry)."""
    removed = await repository.delete_links_of_user(ctx.pool, user_id)
    log.info("links of a deleted user removed", extra={"fields": {"user_id": user_id, "removed": removed}})
    return removed
