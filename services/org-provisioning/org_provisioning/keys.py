"""Typed keys for what the org-provisioning app holds."""

from aiohttp import web

from .context import Context
from .settings import Settings

SETTINGS = web.AppKey("org_provisioning_settings", Settings)
CONTEXT = web.AppKey("org_provisioning_context", Context)
