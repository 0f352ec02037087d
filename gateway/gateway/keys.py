"""Typed keys for what the gateway app holds, shared by its modules (routing, pages)."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from latchkey.internal_client import ServiceClient
from latchkey.tokens import TokenSigner

from .settings import Settings

SETTINGS = web.AppKey("gateway_settings", Settings)
SIGNER = web.AppKey("gateway_signer", TokenSigner)
# One pooled keep-alive client session for everything the gateway sends upstream.
HTTP = web.AppKey("gateway_http", aiohttp.ClientSession)
# Clients for the services' /internal/ routes, signed as the gateway.
SESSION_CLIENT = web.AppKey("session_client", ServiceClient)
ORG_CLIENT = web.AppKey("org_client", ServiceClient)
# session.sessions.SessionStore (typed loosely here to keep this module import-light)
SESSION_STORE = web.AppKey("session_store", object)
