"""Fixtures of the gateway's tests: an echo upstream, a gateway in front of it, the session store."""

from __future__ import annotations

import io
import json
import logging

import aiohttp
import pytest

from latchkey.logs import JsonFormatter
from latchkey.settings import Env
from session.sessions import SessionStore

from .support import Echo


@pytest.fixture
async def echo(base_env):
    server = await Echo(Env(base_env).key_map("INTERNAL_PUBLIC_KEYS")).start()
    yield server
    await server.stop()


@pytest.fixture
def gateway_to(start_system, echo):
    """Factory: a gateway whose three services are the echo (or `urls`), with setting overrides."""

    async def start(urls: str | None = None, **overrides: str):
        target = urls or echo.url
        env = {"SESSION_URLS": target, "ORG_PROVISIONING_URLS": target, "OIDC_LINK_URLS": target, **overrides}
        return await start_system(("gateway",), **env)

    return start


@pytest.fixture
def sessions(redis_client) -> SessionStore:
    """The session service's own store, on the test Redis: real sessions without a login."""
    return SessionStore(redis_client, idle_timeout=60, absolute_lifetime=3600)


@pytest.fixture
def log_lines():
    """Every JSON log line written during the test, as the services' handler formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


@pytest.fixture
async def http():
    """A client that keeps no cookies: each test says exactly which credentials it sends."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield session
