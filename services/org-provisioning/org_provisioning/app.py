"""Builds the org-provisioning service's aiohttp app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from latchkey import security_events, storage
from latchkey.internal_client import ServiceClient
from latchkey.security import SecretBox
from latchkey.session_client import SessionClient
from latchkey.tokens import TokenSigner
from latchkey.web import create_app

from . import MIGRATIONS, SCHEMA, SERVICE, activity
from .context import Context
from .keys import CONTEXT, SETTINGS
from .routes import ROUTES
from .settings import Settings


def context_ctx(settings: Settings):
    """The domain context over the pooled resources, with one keep-alive client to the session service."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession() as http:
            signer = TokenSigner(SERVICE, settings.common.signing_key)
            app[CONTEXT] = Context(
                settings=settings,
                db=app[storage.PG_POOL],
                redis=app[storage.REDIS],
                sessions=SessionClient(
                    ServiceClient(http, signer, "session", settings.session_urls, timeout=settings.common.dependency_timeout)
                ),
                box=SecretBox(settings.secrets_key),
            )
            yield

    return ctx


def init_app(settings: Settings) -> web.Application:
    retention = security_events.retention_ctx(
        lambda _app: activity.EVENTS, lambda app: app[storage.PG_POOL], retention_days=settings.event_retention_days
    )
    app = create_app(
        settings.common, schema=SCHEMA, migrations_dir=MIGRATIONS, routes=ROUTES, contexts=[context_ctx(settings), retention]
    )
    app[SETTINGS] = settings
    return app
