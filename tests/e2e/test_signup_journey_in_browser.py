"""The account's whole life in a real Chromium: sign up, confirm the address from the mail, sign in, delete."""

from __future__ import annotations

import pytest

from tests.e2e.browsing import PASSWORD, sign_in

pytestmark = pytest.mark.browser


async def test_sign_up_verify_sign_in_then_delete_the_account(mailbox, start_system, browser_page, http):
    system = await start_system(SMTP_URL=mailbox.smtp_url, SIGNUP_ENABLED="true", REQUIRE_VERIFIED_EMAIL="true")
    page = browser_page

    await page.goto(system.gateway + "/login")
    await page.click("#signup-link")
    await page.wait_for_url(system.gateway + "/signup")
    await page.fill("#signup-form input[name=name]", "Grace Hopper")
    await page.fill("#signup-form input[name=email]", "grace@example.com")
    await page.fill("#signup-form input[name=password]", PASSWORD)
    await page.click("#signup-form button[type=submit]")
    await page.locator("#message").filter(has_text="We sent a message to grace@example.com").wait_for()

    mail = await mailbox.wait_for("grace@example.com", subject="confirm your email")
    await page.goto(mail.link)
    await page.locator("#message").filter(has_text="grace@example.com is confirmed").wait_for()

    await sign_in(page, system.gateway, "grace@example.com")
    await page.wait_for_url(system.gateway + "/account")
    await page.locator("#profile-name").filter(has_text="Grace Hopper").wait_for()

    await page.click("#delete-account")
    await page.wait_for_url(system.gateway + "/account/delete")
    await page.click("#delete-open")
    await page.fill("#delete-form input[name=password]", PASSWORD)
    await page.click("#delete-confirm")
    await page.locator("#message").filter(has_text="Your account has been deleted").wait_for()
    async with http.post(system.gateway + "/api/1/auth/session", json={"email": "grace@example.com", "password": PASSWORD}) as response:
        assert response.status == 401
