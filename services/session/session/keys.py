"""Typed keys for what the session app holds."""

from aiohttp import web

from .context import Context
from .linked_accounts import LinkedAccounts
from .settings import Settings

SETTINGS = web.AppKey("session_settings", Settings)
CONTEXT = web.AppKey("session_context", Context)
LINKED_ACCOUNTS = web.AppKey("session_linked_accounts", LinkedAccounts)
