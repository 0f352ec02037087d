"""Signing in with a linked provider account.

Only an account already linked to a user can sign in: an unknown provider
account never creates a user or a session (account linking is explicit,
from a signed-in session, so nobody can claim an account by email alone).
"""

from __future__ import annotations

import logging

from latchkey.errors import Forbidden, NotFound
from latchkey.internal_client import OWNER_FAILED
from latchkey.security_events import Client
from latchkey.session_client import NewSession

from . import repository
from .context import SsoContext, StartedFlow, begin_flow
from .errors import SsoFailed

log = logging.getLogger("oidc_link.sign_in")
LOGIN_PAGE = "/login"
DEFAULT_RETURN = "/"
OIDC_AMR = "oidc"
INTERACTIVE_PERMS = ("oauth",)


async def start_sign_in(ctx: SsoContext, provider_id: str, return_to: str) -> StartedFlow:
    return await begin_flow(ctx, kind="login", provider_id=provider_id, user_id=None, return_to=return_to)


async def sign_in(
    ctx: SsoContext, provider_id: str, subject: str, email: str | None, client: Client | None = None
) -> NewSession:
    link = await repository.find_link_by_subject(ctx.pool, provider_id, subject)
    if link is None:
        log.info("sign-in refused: provider account not linked", extra={"fields": {"provider": provider_id}})
        raise SsoFailed(code="not_linked")
    try:
        session = await ctx.sessions.start_session(link.user_id, amr=[OIDC_AMR], perms=list(INTERACTIVE_PERMS), client=client)
    except NotFound:
        # The user was deleted at the session service; the link is an orphan.
        await repository.delete_link(ctx.pool, link.user_id, provider_id)
        raise SsoFailed(code="not_linked") from None
    except Forbidden as error:
        # MFA_REQUIRED_FOR_HANDOFF: a two-factor user signs in with the password and code instead.
        raise SsoFailed(code="mfa_required" if error.code == "mfa_required" else "user_unavailable") from None
    except OWNER_FAILED:
        # The browser is mid-redirect: an error page of JSON helps nobody.
        raise SsoFailed(code="service_unavailable") from None
    await repository.touch_link(ctx.pool, provider_id, subject, email)
    log.info("signed in with provider", extra={"fields": {"user": link.user_id, "provider": provider_id}})
    return session
