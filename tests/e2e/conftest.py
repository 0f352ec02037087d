"""A real headless Chromium (Debian's, driven by Playwright) and the example partner platform.

Browser tests skip only where /usr/bin/chromium is missing outside CI; under
CI they must run (CI installs Debian chromium).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from aiohttp import web

# The test OpenID Provider process and its per-test reset, shared with the oidc-link tests.
from tests.oidc_link.conftest import provider, provider_base  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
PARTNER_SOURCE = Path(__file__).resolve().parents[2] / "examples" / "partner-platform" / "partner.py"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

NO_CHROMIUM = not CHROMIUM.exists() and not os.environ.get("CI")


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium); always runs under CI")
    for item in items:
        if NO_CHROMIUM and item.get_closest_marker("browser"):
            item.add_marker(skip)


def load_partner():
    """The example exactly as a partner would run it (its folder name is not importable)."""
    spec = importlib.util.spec_from_file_location("partner_platform_example", PARTNER_SOURCE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture
async def site_on_port():
    """Factory: serve an aiohttp app on 127.0.0.1:port until the test ends (another origin than Latchkey's)."""
    runners = []

    async def start(app: web.Application, port: int) -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def partner_site(site_on_port):
    """Factory: start the partner platform on a free port for an organization."""
    partner = load_partner()

    async def start(latchkey_url: str, port: int, org: dict) -> None:
        settings = partner.Settings(latchkey_url=latchkey_url, org_id=org["orgId"], org_api_key=org["apiKey"])
        await site_on_port(partner.create_app(settings), port)

    return start


@pytest.fixture
async def browser_page():
    """A fresh headless Chromium page; the test fails if a script throws or the CSP blocks anything."""
    from tests.e2e.browsing import browser_pages

    async with browser_pages() as new_page:
        yield await new_page()
