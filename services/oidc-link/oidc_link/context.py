"""Everything the SSO domain functions need, opened once per process."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg

from latchkey.security import lookup_hash
from latchkey.session_client import SessionClient

from .flows import FlowKind, FlowStore, PendingFlow, new_secrets
from .oidc_client import authorization_url
from .providers import ProviderRegistry
from .settings import Settings


@dataclass(frozen=True, slots=True)
class SsoContext:
    settings: Settings
    providers: ProviderRegistry
    flows: FlowStore
    pool: asyncpg.Pool
    sessions: SessionClient
    clock: Callable[[], float] = field(default=time.time)

    @property
    def public_url(self) -> str:
        return self.settings.common.public_url


@dataclass(frozen=True, slots=True)
class StartedFlow:
    url: str  # the provider's authorization URL
    binding: str  # for the browser's binding cookie


async def begin_flow(ctx: SsoContext, *, kind: FlowKind, provider_id: str, user_id: int | None, return_to: str) -> StartedFlow:
    """Remember a new flow; the browser goes to `url` carrying `binding` in a cookie."""
    provider = ctx.providers.require(provider_id)
    secrets = new_secrets()
    url = await authorization_url(
        provider,
        ctx.settings.redirect_uri,
        state=secrets.state,
        nonce=secrets.nonce,
        code_verifier=secrets.verifier,
        timeout=ctx.settings.provider_timeout,
    )
    binding_hash = lookup_hash(secrets.binding)
    flow = PendingFlow(kind, user_id, provider.config.id, secrets.nonce, secrets.verifier, return_to, binding_hash)
    await ctx.flows.save(secrets.state, flow)
    return StartedFlow(url, secrets.binding)
