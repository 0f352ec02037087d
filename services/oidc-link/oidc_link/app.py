"""Builds the oidc-link service's aiohttp app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
import httpx
from aiohttp import web

from latchkey import storage
from latchkey.internal_client import ServiceClient
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
    app = create_app(settings.common, schema=SCHEMA, migrations_dir=MIGRATIONS, routes=ROUTES, contexts=[sso_ctx(settings)])
    # httpx logs every request URL at INFO; our own lines say what matters, without the noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    app[SETTINGS] = settings
    return app
