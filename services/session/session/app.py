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
from .keys import CONTEXT, LINKED_ACCOUNTS, SETTINGS
from .linked_accounts import LinkedAccounts
from .routes import ROUTES
from .settings import Settings


async def context_ctx(app: web.Application) -> AsyncIterator[None]:
    """The domain context over the pooled resources (after Postgres and Redis are open)."""
    app[CONTEXT] = build_context(app[SETTINGS], app[storage.PG_POOL], app[storage.REDIS])
    try:
        yield
    finally:
        app[CONTEXT].passwords.close()


async def linked_accounts_ctx(app: web.Application) -> AsyncIterator[None]:
    """One pooled client to oidc-link's internal API, signed as this service."""
    settings = app[SETTINGS]
    async with aiohttp.ClientSession() as http:
        signer = TokenSigner(SERVICE, settings.common.signing_key)
        client = ServiceClient(http, signer, "oidc-link", settings.oidc_link_urls, timeout=settings.common.dependency_timeout)
        app[LINKED_ACCOUNTS] = LinkedAccounts(client)
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
            linked_accounts_ctx,
            mail.drain_ctx(lambda app: app[CONTEXT].outbox),
            background.settle_ctx(lambda app: app[CONTEXT].background),
            retention,
        ],
    )
    app[SETTINGS] = settings
    return app
