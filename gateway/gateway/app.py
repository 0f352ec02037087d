"""Builds the gateway's aiohttp app."""

from __future__ import annotations

from aiohttp import web

from latchkey import storage
from latchkey.errors import envelope_by_path
from latchkey.logs import configure_logging
from latchkey.web import create_app, redis_ready

from .keys import SETTINGS
from .settings import Settings


def init_app(settings: Settings) -> web.Application:
    configure_logging(settings.common.service, settings.common.log_level)
    app = create_app(settings.common, envelope_for=envelope_by_path, readiness=[redis_ready])
    app[SETTINGS] = settings
    app.cleanup_ctx.append(storage.redis_ctx(settings.common.redis_url))
    return app
