"""The provider's redirect back: take the flow, exchange the code, check the ID token, act.

Whatever happens, the browser is sent somewhere sensible on this site: the
flow's return path with `sso=linked`, the signed-in return path, or the
account / login page with `sso_error=<code>`. Nothing here redirects off-site.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from latchkey.inputs import storable_text
from latchkey.security_events import Client
from latchkey.session_client import NewSession

from . import links, sign_in
from .authorization_response import check_response_issuer
from .context import SsoContext
from .discovery import ProviderDiscovery
from .errors import ProviderUnavailable, SsoFailed
from .flows import PendingFlow
from .id_token import validate_id_token
from .oidc_client import exchange_code, userinfo

log = logging.getLogger("oidc_link.callback")
# Read from UserInfo when the ID token lacks them; the email is kept with the link.
PROFILE_CLAIMS = ("email", "name")
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
    iss: str | None = None,
) -> CallbackOutcome:
    """`client` is the browser coming back: its sessions list and security log show it."""
    # Taken before the binding check, so a callback URL that reached the wrong browser is spent.
    flow = await ctx.flows.take(state) if state else None
    if flow is None or not flow.bound_to(binding):
        log.info("callback refused: unknown, replayed or foreign state", extra={"fields": {"known": flow is not None}})
        return CallbackOutcome(site_url(ctx.public_url, sign_in.LOGIN_PAGE, sso_error="invalid_state"))
    try:
        await _check_issuer(ctx, flow, iss)  # before anything else: an error response carries `iss` too
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


def _provider(ctx: SsoContext, flow: PendingFlow) -> ProviderDiscovery:
    provider = ctx.providers.get(flow.issuer)
    if provider is None:  # removed from configuration while the flow was pending
        raise SsoFailed(code="provider_error")
    return provider


async def _check_issuer(ctx: SsoContext, flow: PendingFlow, iss: str | None) -> None:
    provider = _provider(ctx, flow)
    check_response_issuer(await provider.metadata(), iss, provider_id=provider.config.id)


async def _verified_identity(ctx: SsoContext, flow: PendingFlow, code: str) -> tuple[str, str | None]:
    provider = _provider(ctx, flow)
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
    claims = await _with_userinfo(provider, token, claims, timeout=timeout)
    return subject, storable_text(claims.get("email"))


async def _with_userinfo(
    provider: ProviderDiscovery, token: dict[str, Any], claims: dict[str, Any], *, timeout: float
) -> dict[str, Any]:
    """The ID token's claims, completed from UserInfo when it lacks a profile claim (many providers send
    only `sub` in the ID token and the rest at the UserInfo endpoint)."""
    missing = [name for name in PROFILE_CLAIMS if not claims.get(name)]
    if not missing:
        return claims
    info = await userinfo(provider, token, timeout=timeout)
    if info is None:
        return claims  # the profile claims are informative: sign-in goes on without them
    if info.get("sub") != claims["sub"]:  # OIDC Core 5.3.2: else the answer may be another user's
        log.warning("userinfo refused: another subject", extra={"fields": {"provider": provider.config.id}})
        raise SsoFailed("The provider's UserInfo names another user.", code="invalid_id_token")
    return {**claims, **{name: info[name] for name in missing if name in info}}


def site_url(public_url: str, path: str, **params: str) -> str:
    """`public_url` + `path` (a path `latchkey.inputs.safe_return_path` accepted), with `params` added to its query."""
    if not params:
        return public_url + path
    separator = "&" if "?" in path else "?"
    return public_url + path + separator + urlencode(params)
