"""Typed keys of what the app holds, shared by app.py (which fills them) and handlers."""

from __future__ import annotations

from aiohttp import web

from latchkey.security import SecretBox
from latchkey.session_client import SessionClient

from .settings import Settings

SETTINGS = web.AppKey("org_provisioning_settings", Settings)
SECRET_BOX = web.AppKey("org_secret_box", SecretBox)
SESSION_CLIENT = web.AppKey("session_client", SessionClient)
