"""Builds the oidc-link service's aiohttp app."""

from __future__ import annotations

from aiohttp import web

from latchkey import migrations, storage
from latchkey.errors import envelope_by_path
from latchkey.logs import configure_logging
from latchkey.web import create_app, postgres_ready, redis_ready

from . import MIGRATIONS, SCHEMA
from .settings import Settings

SETTINGS_KEY = web.AppKey("oidc_link_settings", Settings)


def init_app(settings: Settings) -> web.Application:
    configure_logging(settings.common.service, settings.common.log_level)
    app = create_app(settings.common, envelope_for=envelope_by_path, readiness=[postgres_ready, redis_ready])
    app[SETTINGS_KEY] = settings
    app.cleanup_ctx.append(storage.postgres_ctx(settings.common.database_url))
    app.cleanup_ctx.append(migrations.require_current(SCHEMA, MIGRATIONS))
    app.cleanup_ctx.append(storage.redis_ctx(settings.common.redis_url))
    return app
