"""The gateway's pages doing their jobs in a real browser: sign in, API key, sign out, organization settings."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from org_provisioning import operator as org_operator
from org_provisioning.settings import Settings as OrgSettings
from tests.e2e.browsing import create_user, sign_in
from tests.pages.organizations import create_organization

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
    page.once("dialog", lambda dialog: dialog.accept())
    await page.click("#apikey-regenerate")
    await page.locator("#message").filter(has_text="A new API key was issued").wait_for()
    assert API_KEY.match(await key.text_content()) and await key.text_content() != first_key

    await page.click("#sign-out")
    await page.wait_for_url(re.compile(r"/login$"))
    await page.goto(system.gateway + "/account")
    assert page.url.startswith(system.gateway + "/login")  # the cookie is gone


async def test_wrong_password_is_explained_on_the_sign_in_page(system, browser_page):
    page = browser_page
    await create_user(system, "sam@example.com", name="Sam")
    await sign_in(page, system.gateway, "sam@example.com", "not the password")
    await page.locator("#message").filter(has_text=re.compile(r"\S")).wait_for()
    assert page.url.startswith(system.gateway + "/login")


async def test_organization_admin_sets_the_sign_in_redirect_and_rotates_the_org_key(system, browser_page):
    page = browser_page
    org = await create_organization(system, "acme", None)
    await create_user(system, "admin@acme.example", name="Acme Admin", org_id=org["id"], role="ADMIN")
    await sign_in(page, system.gateway, "admin@acme.example", start="/login?return_to=/organization/acme/settings")
    await page.wait_for_url(system.gateway + "/organization/acme/settings")
    await expect(page.locator("#settings-form input[name=name]")).to_have_value("Acme")

    await page.fill("#settings-form input[name=authRedirectUrl]", "https://partner.example/latchkey")
    await page.click("#settings-form button[type=submit]")
    await page.locator("#message").filter(has_text="Saved.").wait_for()
    org_settings = OrgSettings.from_env(system.env)
    assert (await org_operator.get_organization(org_settings, "acme"))["authRedirectUrl"] == "https://partner.example/latchkey"

    await page.goto(system.gateway + "/organization/acme/integrations")
    await page.click("#org-apikey-show")
    await page.locator("#org-apikey").filter(has_text=org["apiKey"]).wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    await page.click("#org-apikey-rotate")
    await page.locator("#message").filter(has_text="A new organization API key was issued").wait_for()
    rotated = await page.locator("#org-apikey").text_content()
    assert rotated != org["apiKey"]
    assert (await org_operator.get_organization(org_settings, "acme"))["apiKey"] == rotated
