"""Builds the oidc-link service's aiohttp app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
import httpx
from aiohttp import web

from latchkey import migrations, storage
from latchkey.errors import envelope_by_path
from latchkey.health import postgres_ready, redis_ready
from latchkey.internal_client import ServiceClient
from latchkey.logs import configure_logging
from latchkey.routing import add_routes
from latchkey.session_client import SessionClient
from latchkey.tokens import TokenSigner
from latchkey.web import create_app

from . import MIGRATIONS, SCHEMA, SERVICE
from .context import SsoContext
from .flows import FlowStore
from .keys import CONTEXT, SETTINGS
from .providers import ProviderRegistry
from .routes import ROUTES
from .settings import Settings


def sso_ctx(settings: Settings):
    """Clients for the providers (httpx, as authlib uses) and for the session service."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        timeout = settings.provider_timeout
        async with (
            httpx.AsyncClient(timeout=httpx.Timeout(timeout), follow_redirects=False) as provider_http,
            aiohttp.ClientSession() as internal_http,
        ):
            signer = TokenSigner(SERVICE, settings.common.signing_key)
            internal_timeout = settings.common.dependency_timeout
            session_client = ServiceClient(internal_http, signer, "session", settings.session_urls, timeout=internal_timeout)
            app[CONTEXT] = SsoContext(
                settings=settings,
                providers=ProviderRegistry(settings.providers, provider_http),
                flows=FlowStore(app[storage.REDIS], settings.flow_ttl),
                pool=app[storage.PG_POOL],
                sessions=SessionClient(session_client),
            )
            yield

    return ctx


def init_app(settings: Settings) -> web.Application:
    configure_logging(settings.common.service, settings.common.log_level)
    # httpx logs every request URL at INFO; our own lines say what matters, without the noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    app = create_app(settings.common, envelope_for=envelope_by_path, readiness=[postgres_ready, redis_ready])
    app[SETTINGS] = settings
    app.cleanup_ctx.append(storage.postgres_ctx(settings.common))
    app.cleanup_ctx.append(migrations.require_current(SCHEMA, MIGRATIONS))
    app.cleanup_ctx.append(storage.redis_ctx(settings.common))
    app.cleanup_ctx.append(sso_ctx(settings))
    add_routes(app, ROUTES)
    return app
