"""Builds the session service's aiohttp app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from latchkey import background, mail, security_events, storage
from latchkey.internal_client import ServiceClient
from latchkey.tokens import TokenSigner
from latchkey.web import create_app

from . import MIGRATIONS, SCHEMA, SERVICE
from .context import build_context
from .keys import CONTEXT, PEERS, SETTINGS
from .peers import LinkedAccounts, Organizations, Peers
from .routes import ROUTES
from .settings import Settings


async def context_ctx(app: web.Application) -> AsyncIterator[None]:
    """The domain context over the pooled resources (after Postgres and Redis are open)."""
    app[CONTEXT] = build_context(app[SETTINGS], app[storage.PG_POOL], app[storage.REDIS])
    try:
        yield
    finally:
        app[CONTEXT].passwords.close()


async def peers_ctx(app: web.Application) -> AsyncIterator[None]:
    """Clients to oidc-link's and org-provisioning's internal APIs over one pool, signed as this service."""
    settings = app[SETTINGS]
    async with aiohttp.ClientSession() as http:
        signer = TokenSigner(SERVICE, settings.common.signing_key)

        def client(service: str, urls: tuple[str, ...]) -> ServiceClient:
            return ServiceClient(http, signer, service, urls, timeout=settings.common.dependency_timeout)

        app[PEERS] = Peers(
            linked_accounts=LinkedAccounts(client("oidc-link", settings.oidc_link_urls)),
            organizations=Organizations(client("org-provisioning", settings.org_provisioning_urls)),
        )
        yield


def init_app(settings: Settings) -> web.Application:
    retention = security_events.retention_ctx(
        lambda app: app[CONTEXT].events, lambda app: app[storage.PG_POOL], retention_days=settings.event_retention_days
    )
    app = create_app(
        settings.common,
        schema=SCHEMA,
        migrations_dir=MIGRATIONS,
        routes=ROUTES,
        contexts=[
            context_ctx,
            peers_ctx,
            mail.drain_ctx(lambda app: app[CONTEXT].outbox),
            background.settle_ctx(lambda app: app[CONTEXT].background),
            retention,
        ],
    )
    app[SETTINGS] = settings
    return app
