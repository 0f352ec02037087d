"""Typed keys for what the session app holds."""

from aiohttp import web

from .context import Context
from .peers import Peers
from .settings import Settings

SETTINGS = web.AppKey("session_settings", Settings)
CONTEXT = web.AppKey("session_context", Context)
PEERS = web.AppKey("session_peers", Peers)
