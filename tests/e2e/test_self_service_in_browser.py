"""Account self-service in a real Chromium: forgotten password by mail, password change, sessions, logs."""

from __future__ import annotations

import re

import aiohttp
import pytest

from tests.e2e.browsing import PASSWORD, create_user, sign_in
from tests.pages.organizations import create_organization

pytestmark = pytest.mark.browser

NEW_PASSWORD = "an entirely new passphrase"


@pytest.fixture
async def mail_system(start_system, mailbox):
    return await start_system(SMTP_URL=mailbox.smtp_url, ARGON2_TIME_COST="1", ARGON2_MEMORY_KIB="1024")


async def test_forgotten_password_by_mail_then_sign_in_with_the_new_one(mail_system, mailbox, browser_page):
    page, g = browser_page, mail_system.gateway
    await create_user(mail_system, "sam@example.com", name="Sam")
    await page.goto(g + "/login")
    await page.click("text=Forgot password?")
    await page.wait_for_url(g + "/forgot-password")
    await page.fill("#forgot-form input[name=email]", "sam@example.com")
    await page.click("#forgot-form button[type=submit]")
    await page.locator("#message").filter(has_text="a link is on its way").wait_for()

    mail = await mailbox.wait_for("sam@example.com", subject="reset your password")
    await page.goto(mail.link)
    await page.wait_for_url(g + "/reset-password")  # the token left the address bar at once
    assert "token" not in page.url
    await page.fill("#reset-form input[name=newPassword]", "short")
    await page.locator("#reset-strength").filter(has_text="Too short").wait_for()
    await page.fill("#reset-form input[name=newPassword]", NEW_PASSWORD)
    await page.click("#reset-form button[type=submit]")
    await page.wait_for_url(re.compile(r"/login"))

    await sign_in(page, g, "sam@example.com", NEW_PASSWORD)
    await page.wait_for_url(g + "/account")
    await page.locator("#event-list li[data-event='password.reset']").wait_for()

    # The used link shows an error, never a second reset.
    await page.goto(mail.link)
    await page.fill("#reset-form input[name=newPassword]", "yet another passphrase")
    await page.click("#reset-form button[type=submit]")
    await page.locator("#message").filter(has_text="used, expired or unknown").wait_for()


async def test_change_password_and_end_another_session_from_the_account_page(mail_system, browser_page):
    page, g = browser_page, mail_system.gateway
    await create_user(mail_system, "sam@example.com", name="Sam")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as api:
        async with api.post(g + "/api/1/auth/session", json={"email": "sam@example.com", "password": PASSWORD},
                            headers={"User-Agent": "curl/8.5.0"}) as response:
            other = (await response.json())["data"]["sesskey"]
    await sign_in(page, g, "sam@example.com")
    await page.wait_for_url(g + "/account")

    rows = page.locator("#session-list li")
    await rows.filter(has_text="(this browser)").wait_for()
    await rows.filter(has_text="curl").wait_for()
    await rows.filter(has_text="curl").locator("button").click()
    await page.locator("#message").filter(has_text="That session has ended").wait_for()
    await rows.filter(has_text="curl").wait_for(state="detached")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as api:
        async with api.get(g + "/api/1/users/me", headers={"Authorization": "Bearer " + other}) as response:
            assert response.status == 401

    await page.fill("#password-change-form input[name=currentPassword]", PASSWORD)
    await page.fill("#password-change-form input[name=newPassword]", NEW_PASSWORD)
    await page.locator("#password-strength").filter(has_text=re.compile("Fair|Strong")).wait_for()
    await page.click("#password-change-form button[type=submit]")
    await page.locator("#message").filter(has_text="Your password was changed").wait_for()
    await page.locator("#event-list li[data-event='password.changed']").wait_for()
    await page.locator("#event-list li[data-event='session.revoked']").wait_for()

    await page.click("#sign-out-everywhere")
    await page.click("#confirm-ok")
    await page.wait_for_url(re.compile(r"/login"))
    await sign_in(page, g, "sam@example.com", NEW_PASSWORD)
    await page.wait_for_url(g + "/account")


async def test_organization_activity_tab_lists_what_happened(mail_system, browser_page):
    page, g = browser_page, mail_system.gateway
    org = await create_organization(mail_system, "acme", None)
    await create_user(mail_system, "admin@acme.example", name="Acme Admin", org_id=org["id"], role="ADMIN")
    async with aiohttp.ClientSession() as api:
        headers = {"x-org-id": "acme", "x-api-key": org["apiKey"]}
        async with api.post(g + "/api/organization/acme/user/alice/update", json={"email": "alice@acme.example"}, headers=headers) as response:
            assert response.status == 201
    await sign_in(page, g, "admin@acme.example", start="/login?return_to=/organization/acme/settings")
    await page.wait_for_url(g + "/organization/acme/settings")
    await page.click("text=Activity")
    await page.wait_for_url(g + "/organization/acme/activity")
    await page.locator("#event-list li[data-event='user.provisioned']").filter(has_text="alice").wait_for()
