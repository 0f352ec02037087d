"""The whole handoff in a real browser, with the example partner platform.

Open Latchkey for the organization, land on the partner's own login form,
sign in there, and come back to Latchkey signed in, with the one-time token
gone from the address bar.
"""

from __future__ import annotations

import pytest

from latchkey_cli.embedded import free_port
from tests.pages.organizations import create_organization

pytestmark = pytest.mark.browser


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
