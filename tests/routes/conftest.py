"""The example device API behind a gateway that reads the example routes file.

The device API runs in the test process on a real socket and verifies every
identity JWT against the gateway's real `/.well-known/jwks.json`; the gateway
is the real one, with the real session and org-provisioning services behind it.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from latchkey_cli.embedded import free_port
from tests.gateway.support import Account, create_account

ROOT = Path(__file__).resolve().parents[2]
DEVICE_API_SOURCE = ROOT / "examples" / "device-api" / "device_api.py"
EXAMPLE_ROUTES = ROOT / "examples" / "device-api" / "routes.toml"
EXAMPLE_URL = "http://127.0.0.1:8090"


def load_device_api():
    """The example exactly as an operator would run it (its folder name is not importable)."""
    spec = importlib.util.spec_from_file_location("device_api_example", DEVICE_API_SOURCE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Stack:
    system: object
    gateway: str
    device_api: str
    routes_file: Path
    account: Account


async def serve_app(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


@pytest.fixture
async def device_stack(start_system, tmp_path, http):
    """Factory: the device API, a gateway routing to it from the example routes file, and a real account."""
    runners: list[web.AppRunner] = []

    async def start(*, services=None, key_lifetime: float = 300.0, device_port: int | None = None, **overrides: str) -> Stack:
        device_port = device_port or free_port()
        gateway_port = overrides.pop("GATEWAY_PORT", None) or str(free_port())
        device_url = f"http://127.0.0.1:{device_port}"
        routes_file = tmp_path / f"routes-{device_port}.toml"
        routes_file.write_text(EXAMPLE_ROUTES.read_text().replace(EXAMPLE_URL, device_url))
        jwks_url = f"http://127.0.0.1:{gateway_port}/.well-known/jwks.json"
        app = load_device_api().create_app(jwks_url, key_lifetime=key_lifetime)
        runners.append(await serve_app(app, device_port))
        env = {"GATEWAY_ROUTES_FILE": str(routes_file), "GATEWAY_PORT": gateway_port, **overrides}
        system = await (start_system(services, **env) if services else start_system(**env))
        account = await create_account(system, http)
        return Stack(system, system.gateway, device_url, routes_file, account)

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def http():
    """A client that keeps no cookies: each test says exactly which credentials it sends."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield session
