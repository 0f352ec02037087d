"""The account's own pages in a real Chromium: edit the profile, delete the account through its dialog."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.browsing import PASSWORD, create_user, sign_in

pytestmark = pytest.mark.browser


async def test_a_user_edits_their_profile_then_deletes_the_account_in_the_dialog(system, browser_page, http):
    page = browser_page
    await create_user(system, "ada@example.com", name="Ada")
    await sign_in(page, system.gateway, "ada@example.com")
    await page.wait_for_url(system.gateway + "/account")

    await page.click("#edit-profile")
    await page.wait_for_url(system.gateway + "/account/profile")
    await expect(page.locator("#profile-form input[name=name]")).to_have_value("Ada")  # loaded from the API
    await page.fill("#profile-form input[name=name]", "Ada Lovelace")
    await page.fill("#profile-form input[name=picture]", "https://img.example/ada.png")
    await page.click("#profile-form button[type=submit]")
    await page.locator("#message").filter(has_text="Saved.").wait_for()
    await page.goto(system.gateway + "/account")
    await page.locator("#profile-name").filter(has_text="Ada Lovelace").wait_for()

    await page.click("#delete-account")
    await page.wait_for_url(system.gateway + "/account/delete")
    await page.click("#delete-open")
    dialog = page.locator("#delete-dialog")
    await dialog.locator("#delete-email").filter(has_text="ada@example.com").wait_for()
    assert "API key" in await dialog.locator("#delete-losses").text_content()
    await expect(page.locator("#delete-code-field")).to_be_hidden()  # no two-factor: the password alone
    await page.fill("#delete-form input[name=password]", "not the password")
    await page.click("#delete-confirm")
    await page.locator("#delete-problem").filter(has_text="does not match").wait_for()
    assert await dialog.is_visible()  # nothing happened; the dialog stays open

    await page.fill("#delete-form input[name=password]", PASSWORD)
    await page.click("#delete-confirm")
    await page.locator("#message").filter(has_text="Your account has been deleted").wait_for()
    assert not await dialog.is_visible()
    await page.goto(system.gateway + "/account")
    assert page.url.startswith(system.gateway + "/login")  # the cookie was cleared
    async with http.post(system.gateway + "/api/1/auth/session", json={"email": "ada@example.com", "password": PASSWORD}) as response:
        assert response.status == 401


async def test_with_two_factor_on_the_dialog_asks_for_a_code_too(system, browser_page, http):
    import time

    import pyotp

    page = browser_page
    await create_user(system, "ada@example.com", name="Ada")
    await sign_in(page, system.gateway, "ada@example.com")
    await page.wait_for_url(system.gateway + "/account")
    # Two-factor turned on for this account, through the API with the browser's own session.
    sesskey = next(c["value"] for c in await page.context.cookies() if c["name"] == "sesskey")
    me = {"Authorization": "Bearer " + sesskey}
    async with http.post(system.gateway + "/api/1/users/me/mfa/totp", headers=me) as response:
        totp = pyotp.TOTP((await response.json())["data"]["secret"])
    async with http.post(system.gateway + "/api/1/users/me/mfa/totp/confirm", json={"code": totp.now()}, headers=me) as response:
        assert response.status == 200

    await page.goto(system.gateway + "/account/delete")
    await page.click("#delete-open")
    code = page.locator("#delete-code-field")
    await expect(code).to_be_visible()
    await page.fill("#delete-form input[name=password]", PASSWORD)
    await page.click("#delete-confirm")
    await page.locator("#delete-problem").filter(has_text="code is required").wait_for()
    await page.fill("#delete-form input[name=code]", totp.at(time.time() + 30))  # a code not used yet
    await page.click("#delete-confirm")
    await page.locator("#message").filter(has_text="Your account has been deleted").wait_for()
    async with http.post(system.gateway + "/api/1/auth/session", json={"email": "ada@example.com", "password": PASSWORD}) as response:
        assert response.status == 401
