"""The provider's redirect back: take the flow, exchange the code, check the ID token, act.

Whatever happens, the browser is sent somewhere sensible on this site: the
flow's return path with `sso=linked`, the signed-in return path, or the
account / login page with `sso_error=<code>`. Nothing here redirects off-site.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from latchkey.inputs import storable_text
from latchkey.security_events import Client
from latchkey.session_client import NewSession

from . import links, sign_in
from .context import SsoContext
from .errors import ProviderUnavailable, SsoFailed
from .flows import PendingFlow
from .id_token import validate_id_token
from .oidc_client import exchange_code

log = logging.getLogger("oidc_link.callback")
# OAuth 2.0 errors a provider may send back that mean "the user said no".
_DECLINED = frozenset({"access_denied", "login_required", "consent_required", "interaction_required"})


@dataclass(frozen=True, slots=True)
class CallbackOutcome:
    location: str
    session: NewSession | None = None


async def complete_callback(
    ctx: SsoContext,
    *,
    state: str | None,
    code: str | None,
    error: str | None,
    binding: str | None,
    client: Client | None = None,
) -> CallbackOutcome:
    """`client` is the browser coming back: its sessions list and security log show it."""
    # Taken before the binding check, so a callback URL that reached the wrong browser is spent.
    flow = await ctx.flows.take(state) if state else None
    if flow is None or not flow.bound_to(binding):
        log.info("callback refused: unknown, replayed or foreign state", extra={"fields": {"known": flow is not None}})
        return CallbackOutcome(site_url(ctx.public_url, sign_in.LOGIN_PAGE, sso_error="invalid_state"))
    try:
        if error or not code:
            raise SsoFailed(code="access_denied" if error in _DECLINED else "provider_error")
        subject, email = await _verified_identity(ctx, flow, code)
        if flow.kind == "link" and flow.user_id is not None:
            await links.link_account(ctx, flow.user_id, flow.issuer, subject, email, client)
            return CallbackOutcome(site_url(ctx.public_url, flow.return_to, sso="linked"))
        session = await sign_in.sign_in(ctx, flow.issuer, subject, email, client)
        return CallbackOutcome(site_url(ctx.public_url, flow.return_to), session)
    except (SsoFailed, ProviderUnavailable) as failure:
        page = flow.return_to if flow.kind == "link" else sign_in.LOGIN_PAGE
        return CallbackOutcome(site_url(ctx.public_url, page, sso_error=failure.code))


async def _verified_identity(ctx: SsoContext, flow: PendingFlow, code: str) -> tuple[str, str | None]:
    provider = ctx.providers.get(flow.issuer)
    if provider is None:  # removed from configuration while the flow was pending
        raise SsoFailed(code="provider_error")
    timeout = ctx.settings.provider_timeout
    token = await exchange_code(provider, ctx.settings.redirect_uri, code=code, code_verifier=flow.verifier, timeout=timeout)
    claims = await validate_id_token(
        provider,
        token["id_token"],
        nonce=flow.nonce,
        access_token=token.get("access_token"),
        now=ctx.clock,
        leeway=ctx.settings.id_token_leeway,
    )
    # The provider's claims are stored: PostgreSQL text refuses NUL, so such a subject is unusable
    # and such an email is dropped (it is only informative), rather than a 500 mid-redirect.
    subject = storable_text(claims["sub"])
    if subject is None:
        raise SsoFailed(code="invalid_id_token")
    return subject, storable_text(claims.get("email"))


def site_url(public_url: str, path: str, **params: str) -> str:
    """`public_url` + `path` (a path `latchkey.inputs.safe_return_path` accepted), with `params` added to its query."""
    if not params:
        return public_url + path
    separator = "&" if "?" in path else "?"
    return public_url + path + separator + urlencode(params)
