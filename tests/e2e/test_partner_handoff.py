"""A real browser goes through the whole handoff with the example partner platform.

Headless Debian Chromium driven by Playwright: open Latchkey for the
organization, land on the partner's own login form, sign in there, and come
back to Latchkey signed in, with the one-time token gone from the address bar.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from aiohttp import web

from latchkey_cli.embedded import free_port
from tests.pages.organizations import create_organization

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

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium); always runs under CI",
    ),
]


def load_partner():
    """The example exactly as a partner would run it (its folder name is not importable)."""
    spec = importlib.util.spec_from_file_location("partner_platform_example", PARTNER_SOURCE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture
async def partner_site():
    """Factory: start the partner platform on a free port for an organization."""
    partner = load_partner()
    runners = []

    async def start(latchkey_url: str, port: int, org: dict) -> None:
        settings = partner.Settings(latchkey_url=latchkey_url, org_id=org["orgId"], org_api_key=org["apiKey"])
        runner = web.AppRunner(partner.create_app(settings), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def browser_page():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context()
            page = await context.new_page()
            page.set_default_timeout(15_000)
            yield page
        finally:
            await browser.close()


async def test_partner_user_signs_in_on_the_partner_site_and_arrives_signed_in_on_latchkey(system, partner_site, browser_page):
    port = free_port()
    # "localhost" for the partner and 127.0.0.1 for Latchkey: two different sites, as in real life.
    partner_url = f"http://localhost:{port}"
    org = await create_organization(system, "partner-community", partner_url + "/login")
    await partner_site(system.gateway, port, org)
    page = browser_page

    await page.goto(f"{system.gateway}/login?org=partner-community&return_to=/account")
    assert page.url.startswith(partner_url + "/login?return_to=")

    await page.fill("input[name=username]", "ada")
    await page.fill("input[name=password]", "analytical-engine")
    async with page.expect_navigation(url=f"{system.gateway}/account"):
        await page.click("button[type=submit]")

    assert page.url == f"{system.gateway}/account"
    assert "refresh-token" not in page.url
    profile_name = page.locator("#profile-name")
    await profile_name.filter(has_text="Ada Lovelace").wait_for()
    assert await page.locator("#profile-email").text_content() == "ada@partner.example"
    history = await page.evaluate("() => [document.referrer, location.href]")
    assert all("refresh-token" not in entry for entry in history)
