"""Builds the session service's aiohttp app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import asyncpg
from aiohttp import web

from latchkey import background, mail, migrations, security_events, storage
from latchkey.errors import ServiceUnavailable, envelope_by_path
from latchkey.health import postgres_ready, redis_ready
from latchkey.internal_client import ServiceClient
from latchkey.logs import configure_logging
from latchkey.redis_client import UNAVAILABLE as REDIS_UNAVAILABLE
from latchkey.routing import add_routes
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
        app[LINKED_ACCOUNTS] = LinkedAccounts(ServiceClient(http, signer, "oidc-link", settings.oidc_link_urls))
        yield


_DEPENDENCY_DOWN = (
    *REDIS_UNAVAILABLE,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    ConnectionError,
    TimeoutError,
)


@web.middleware
async def dependency_down_middleware(request: web.Request, handler) -> web.StreamResponse:
    """PostgreSQL or Redis out of reach is 503 with Retry-After (docs/api.md, Errors), not a 500."""
    try:
        return await handler(request)
    except _DEPENDENCY_DOWN as error:
        raise ServiceUnavailable("A data store of the session service is unavailable.") from error


def init_app(settings: Settings) -> web.Application:
    configure_logging(settings.common.service, settings.common.log_level)
    app = create_app(settings.common, envelope_for=envelope_by_path, readiness=[postgres_ready, redis_ready])
    app.middlewares.append(dependency_down_middleware)  # inside the error middleware, which renders it
    app[SETTINGS] = settings
    app.cleanup_ctx.append(storage.postgres_ctx(settings.common))
    app.cleanup_ctx.append(migrations.require_current(SCHEMA, MIGRATIONS))
    app.cleanup_ctx.append(storage.redis_ctx(settings.common))
    app.cleanup_ctx.append(context_ctx)
    app.cleanup_ctx.append(linked_accounts_ctx)
    app.cleanup_ctx.append(mail.drain_ctx(lambda app: app[CONTEXT].outbox))
    app.cleanup_ctx.append(background.settle_ctx(lambda app: app[CONTEXT].background))
    app.cleanup_ctx.append(
        security_events.retention_ctx(
            lambda app: app[CONTEXT].events, lambda app: app[storage.PG_POOL], retention_days=settings.event_retention_days
        )
    )
    add_routes(app, ROUTES)
    return app
