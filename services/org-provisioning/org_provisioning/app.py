"""Builds the org-provisioning service's aiohttp app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from latchkey import migrations, security_events, storage
from latchkey.errors import envelope_by_path
from latchkey.health import postgres_ready, redis_ready
from latchkey.internal_client import ServiceClient
from latchkey.logs import configure_logging
from latchkey.routing import add_routes
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
    configure_logging(settings.common.service, settings.common.log_level)
    app = create_app(settings.common, envelope_for=envelope_by_path, readiness=[postgres_ready, redis_ready])
    app[SETTINGS] = settings
    app.cleanup_ctx.append(storage.postgres_ctx(settings.common))
    app.cleanup_ctx.append(migrations.require_current(SCHEMA, MIGRATIONS))
    app.cleanup_ctx.append(storage.redis_ctx(settings.common))
    app.cleanup_ctx.append(context_ctx(settings))
    app.cleanup_ctx.append(
        security_events.retention_ctx(
            lambda _app: activity.EVENTS, lambda app: app[storage.PG_POOL], retention_days=settings.event_retention_days
        )
    )
    add_routes(app, ROUTES)
    return app
