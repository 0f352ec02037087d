"""The gateway's pages doing their jobs in a real browser: sign in, API key, sign out (more in test_pages_accessible.py)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.browsing import create_user, sign_in

pytestmark = pytest.mark.browser

API_KEY = re.compile(r"^[0-9A-Za-z]{30}$")


async def test_password_sign_in_shows_the_account_then_the_api_key_and_signs_out(system, browser_page):
    page = browser_page
    await create_user(system, "sam@example.com", name="Sam <b>Tester</b>")
    await sign_in(page, system.gateway, "sam@example.com")
    await page.wait_for_url(system.gateway + "/account")
    await page.locator("#profile-name").filter(has_text="Sam <b>Tester</b>").wait_for()  # shown as text, not markup

    await page.click("#apikey-show")
    key = page.locator("#apikey")
    await key.filter(has_text=API_KEY).wait_for()
    first_key = await key.text_content()
    await page.click("#apikey-regenerate")
    await page.click("#confirm-ok")  # the in-page confirmation
    await page.locator("#message").filter(has_text="A new API key was issued").wait_for()
    assert API_KEY.match(await key.text_content()) and await key.text_content() != first_key

    await page.click("#sign-out")
    await page.wait_for_url(re.compile(r"/login\?notice=signed_out$"))
    await page.goto(system.gateway + "/account")
    assert page.url.startswith(system.gateway + "/login")  # the cookie is gone


async def test_wrong_password_is_explained_on_the_sign_in_page(system, browser_page):
    page = browser_page
    await create_user(system, "sam@example.com", name="Sam")
    await sign_in(page, system.gateway, "sam@example.com", "not the password")
    await page.locator("#message").filter(has_text=re.compile(r"\S")).wait_for()
    assert page.url.startswith(system.gateway + "/login")
