"""The pages walked in a real Chromium at 1280×800 and 390×844, as a person would, in every state.

Each state is checked with axe-core (no serious or critical finding), for
sideways scrolling, and where it matters for keyboard focus and contrast; each
journey asserts what the user sees. Two-factor sign-in is walked end to end
with real codes from pyotp.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.async_api import expect

from org_provisioning import operator as org_operator
from org_provisioning.settings import Settings as OrgSettings
from tests.e2e.accessibility import check, contrast, tab_through
from tests.e2e.browsing import PASSWORD, browser_pages, create_user
from tests.pages.organizations import create_organization

pytestmark = pytest.mark.browser

CHEAP = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024"}
LONG_EMAIL = "a.very.long.email.address.for.testing.phones@a-rather-long-subdomain.example.com"


async def sign_in(page, gateway: str, email: str, password: str = PASSWORD, start: str = "/login") -> None:
    await page.goto(gateway + start)
    await page.fill("#password-form-email", email)
    await page.fill("#password-form-password", password)
    await page.click("#password-form button[type=submit]")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_two_factor_set_up_sign_in_and_turn_off(start_system, viewport):
    system = await start_system(**CHEAP)
    await create_user(system, LONG_EMAIL, name="Ada Lovelace")
    async with browser_pages(system.gateway) as new_page:
        page = await new_page(viewport)
        await sign_in(page, system.gateway, LONG_EMAIL)
        await page.wait_for_url(system.gateway + "/account")
        await expect(page.locator("#whoami")).to_have_text(LONG_EMAIL)  # the header says who is signed in
        await expect(page.locator("#mfa-begin")).to_be_visible()
        await check(page, "account, two-factor off")
        await tab_through(page, "account")

        await page.click("#mfa-begin")
        await expect(page.locator("#mfa-qr svg")).to_be_visible()
        secret = (await page.locator("#mfa-secret").text_content()).replace(" ", "")
        totp = pyotp.TOTP(secret)
        await check(page, "enrolment with QR code")
        await page.fill("#mfa-confirm-form-code", "000000" if totp.now() != "000000" else "111111")
        await page.click("#mfa-confirm-form button[type=submit]")
        code_input = page.locator("#mfa-confirm-form-code")
        await expect(code_input).to_have_attribute("aria-invalid", "true")
        await expect(page.locator("#mfa-confirm-form-code-error")).to_have_text(re.compile("not right"))
        await check(page, "enrolment with a wrong code")
        await page.fill("#mfa-confirm-form-code", totp.now())
        await page.click("#mfa-confirm-form button[type=submit]")
        await expect(page.locator("#mfa-codes-list li")).to_have_count(10)
        await check(page, "recovery codes shown once")
        await page.click("#mfa-codes-copy")
        await expect(page.locator("#mfa-codes-feedback")).to_have_text("Copied.")
        codes = await page.locator("#mfa-codes-list li").all_text_contents()
        assert await page.evaluate("() => navigator.clipboard.readText()") == "\n".join(codes)
        async with page.expect_download() as download_info:
            await page.click("#mfa-codes-download")
        assert (await download_info.value).suggested_filename == "latchkey-recovery-codes.txt"
        await page.click("#mfa-codes-done")
        await expect(page.locator("#mfa-codes-left")).to_have_text("10 recovery codes are left.")
        await expect(page.locator("#mfa-codes-list li")).to_have_count(0)  # never shown again

        await page.click("#nav-sign-out")
        await page.wait_for_url(re.compile(r"/login\?notice=signed_out$"))
        await expect(page.locator("#notice")).to_have_text("You have signed out.")
        await check(page, "signed out")

        # The second step: a wrong code is explained beside the field, the next code signs in.
        await sign_in(page, system.gateway, LONG_EMAIL, start="/login?notice=signed_out")
        await expect(page.locator("#mfa-form")).to_be_visible()
        await expect(page.locator("#password-form")).to_be_hidden()
        assert await page.evaluate("() => document.activeElement.id") == "mfa-form-code"
        await check(page, "second step")
        await page.fill("#mfa-form-code", "123456" if totp.at(time.time() + 30) != "123456" else "654321")
        await page.click("#mfa-form button[type=submit]")
        await expect(page.locator("#mfa-form-code-error")).to_have_text(re.compile("not right"))
        await expect(page.locator("#mfa-form-code")).to_have_attribute("aria-invalid", "true")
        await check(page, "second step, wrong code")
        await page.fill("#mfa-form-code", totp.at(time.time() + 30))
        await page.click("#mfa-form button[type=submit]")
        await page.wait_for_url(system.gateway + "/account")

        # Turning it off asks in the page (not a browser confirm()), then needs the password and a code.
        await expect(page.locator("#mfa-on")).to_be_visible()
        await page.fill("#mfa-disable-form-password", PASSWORD)
        await page.fill("#mfa-disable-form-code", codes[0])
        await page.click("#mfa-disable-form button[type=submit]")
        dialog = page.locator("#confirm-dialog")
        await expect(dialog).to_be_visible()
        await expect(page.locator("#confirm-title")).to_have_text("Turn off two-factor sign-in?")
        await check(page, "turn-off dialog")
        await page.click("#confirm-ok")
        await expect(page.locator("#mfa-message")).to_have_text("Two-factor sign-in is off.")
        await expect(page.locator("#mfa-begin")).to_be_visible()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_sign_in_page_states_and_error_pages(start_system, viewport):
    system = await start_system(LOGIN_MAX_FAILURES="2", **CHEAP)
    await create_user(system, "sam@example.com", name="Sam")
    async with browser_pages(system.gateway) as new_page:
        page = await new_page(viewport)
        response = await page.goto(system.gateway + "/nope")
        assert response.status == 404
        await expect(page.locator("h1")).to_have_text("Page not found")
        await check(page, "404 page")
        icon = await page.request.get(system.gateway + "/favicon.ico")
        assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")

        # A spent handoff link shows sign-in with the reason, and leaves the address bar.
        await page.goto(system.gateway + "/account?refresh-token=made-up")
        await expect(page.locator("#message")).to_have_text(re.compile("used, expired or unknown"))
        assert page.url == system.gateway + "/login"
        await check(page, "refused handoff")
        await tab_through(page, "sign-in page")
        border = await page.eval_on_selector("#password-form-email", "el => getComputedStyle(el).borderTopColor")
        assert contrast(border, "rgb(255, 255, 255)") >= 3  # the input's edge can be seen

        await page.click("#password-form button[type=submit]")  # nothing filled in
        await expect(page.locator("#password-form-email-error")).to_have_text("Email is required.")
        await expect(page.locator("#password-form-email")).to_have_attribute("aria-invalid", "true")
        assert await page.evaluate("() => document.activeElement.id") == "password-form-email"
        await check(page, "empty submit")
        await page.fill("#password-form-email", "sam@example.com")
        await page.fill("#password-form-password", "not the password")
        await page.click("#password-form button[type=submit]")
        await expect(page.locator("#message")).to_have_text(re.compile("do not match"))
        await expect(page.locator("#password-form-email")).not_to_have_attribute("aria-invalid", "true")  # stale error cleared
        await expect(page.locator("#password-form-email-error")).to_have_text("")
        assert await page.evaluate("() => document.activeElement.id") == "message"
        await page.click("#password-form button[type=submit]")
        await expect(page.locator("#message")).to_have_text(re.compile("do not match"))
        await page.click("#password-form button[type=submit]")
        await expect(page.locator("#message")).to_have_text(re.compile(r"Too many attempts\. Try again in [45] minutes\."))
        await check(page, "locked out")

        # A stale cookie: the page says the session expired.
        await page.context.add_cookies([{"name": "sesskey", "value": "stale" * 5, "url": system.gateway}])
        await page.goto(system.gateway + "/account")
        await page.wait_for_url(re.compile(r"/login\?notice=session_expired"))
        await expect(page.locator("#notice")).to_have_text("Your session expired. Sign in again to continue.")
        await check(page, "session expired")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_account_keys_and_organization_pages_for_an_admin_and_for_others(start_system, viewport):
    system = await start_system(**CHEAP)
    org = await create_organization(system, "acme", None)
    await create_user(system, "admin@acme.example", name="Acme Admin", org_id=org["id"], role="ADMIN")
    await create_user(system, "user@acme.example", name="Acme User", org_id=org["id"], role="USER")
    async with browser_pages(system.gateway) as new_page:
        page = await new_page(viewport)
        await sign_in(page, system.gateway, "admin@acme.example")
        await page.wait_for_url(system.gateway + "/account")
        await expect(page.locator("#profile-organization")).to_have_text("Acme")  # the name, not "1"
        await expect(page.locator("#nav-organization")).to_have_text("Acme")

        # API key: Show, Copy, Hide; regenerating asks in the page first.
        masked = await page.locator("#apikey").text_content()
        await page.click("#apikey-show")
        await expect(page.locator("#apikey")).to_have_text(re.compile(r"^[0-9A-Za-z]{30}$"))
        await expect(page.locator("#apikey-show")).to_have_text("Hide")
        first_key = await page.locator("#apikey").text_content()
        await page.click("#apikey-copy")
        await expect(page.locator("#apikey-feedback")).to_have_text("Copied.")
        assert await page.evaluate("() => navigator.clipboard.readText()") == first_key
        await page.click("#apikey-show")
        await expect(page.locator("#apikey")).to_have_text(masked)
        await page.click("#apikey-regenerate")
        await expect(page.locator("#confirm-title")).to_have_text("Regenerate your API key?")
        await check(page, "regenerate dialog")
        await page.click("#confirm-ok")
        await expect(page.locator("#message")).to_have_text(re.compile("A new API key was issued"))
        assert await page.locator("#apikey").text_content() not in (masked, first_key)
        await page.click("#sign-out-everywhere")
        await expect(page.locator("#confirm-body")).to_have_text(re.compile("Every session of your account ends"))
        await page.click("#confirm-cancel")
        await expect(page.locator("#confirm-dialog")).to_be_hidden()
        await check(page, "account page with the key shown")
        await page.click("#edit-profile")
        await expect(page.locator("#profile-form input[name=name]")).to_have_value("Acme Admin")
        await check(page, "edit profile")
        await page.goto(system.gateway + "/account")

        # Organization settings: plain-language error beside the field, cleared once fixed.
        await page.click("#organization-settings-link")
        await page.wait_for_url(system.gateway + "/organization/acme/settings")
        await expect(page.locator("#org-name")).to_have_text("Acme")
        tabs = page.locator(".tabs a")
        for index in range(2):
            assert (await tabs.nth(index).bounding_box())["height"] >= 44  # big enough to tap
        await page.fill("#settings-form-authRedirectUrl", "ftp://x")
        await page.click("#settings-form button[type=submit]")
        error = page.locator("#settings-form-authRedirectUrl-error")
        await expect(error).to_have_text("The sign-in page address must be a full address starting with https:// (http:// only for localhost).")
        await expect(page.locator("#settings-form-authRedirectUrl")).to_have_attribute("aria-invalid", "true")
        assert await page.evaluate("() => document.activeElement.id") == "settings-form-authRedirectUrl"
        await check(page, "settings with a field error")
        await tab_through(page, "organization settings")
        await page.fill("#settings-form-authRedirectUrl", "https://partner.example/login")
        self_deletion = page.locator("#settings-form-usersMayDeleteThemselves")
        await expect(self_deletion).not_to_be_checked()  # off by default
        await self_deletion.check()
        await page.click("#settings-form button[type=submit]")
        await expect(page.locator("#message")).to_have_text("Saved.")
        await expect(error).to_have_text("")
        saved = await org_operator.get_organization(OrgSettings.from_env(system.env), "acme")
        assert saved["authRedirectUrl"] == "https://partner.example/login"
        await page.reload()
        await expect(self_deletion).to_be_checked()

        await page.click(".tabs a >> text=Integrations")
        await page.click("#org-apikey-show")
        await expect(page.locator("#org-apikey")).to_have_text(org["apiKey"])
        await page.click("#org-apikey-rotate")
        await expect(page.locator("#confirm-title")).to_have_text("Rotate the organization API key?")
        await page.click("#confirm-ok")
        await expect(page.locator("#message")).to_have_text(re.compile("A new organization API key was issued"))
        rotated = await page.locator("#org-apikey").text_content()
        assert rotated != org["apiKey"]
        assert (await org_operator.get_organization(OrgSettings.from_env(system.env), "acme"))["apiKey"] == rotated
        await check(page, "integrations after rotation")

        # Someone who is not its admin, and an organization that does not exist: a message, no live form.
        other = await new_page(viewport)
        await sign_in(other, system.gateway, "user@acme.example", start="/login?return_to=/organization/acme/settings")
        await other.wait_for_url(system.gateway + "/organization/acme/settings")
        await expect(other.locator("#message")).to_have_text(re.compile("Only an admin of this organization"))
        await expect(other.locator("#settings-form")).to_be_hidden()
        await expect(other.locator("#nav-organization")).to_be_hidden()
        await check(other, "settings for a non-admin")
        await other.goto(system.gateway + "/organization/nobody/integrations")
        await expect(other.locator("#message")).to_have_text(re.compile("There is no organization with the ID"))
        await expect(other.locator("#org-apikey-rotate")).to_be_hidden()

        # Already signed in: the sign-in page says as whom.
        await other.goto(system.gateway + "/login")
        await expect(other.locator("#signed-in-as")).to_have_text("user@acme.example")
        await check(other, "already signed in")
