"""Typed keys for what the oidc-link app holds."""

from aiohttp import web

from .context import SsoContext
from .settings import Settings

SETTINGS = web.AppKey("oidc_link_settings", Settings)
CONTEXT = web.AppKey("sso_context", SsoContext)
