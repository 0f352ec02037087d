"""Linking an OpenID provider from the account page, then signing in with it from the sign-in page.

The test OpenID Provider (tests/oidc_provider) approves at once as its default
user, so the browser goes through every real redirect without a login form.
"""

from __future__ import annotations

import pytest

from tests.e2e.browsing import create_user, sign_in
from tests.oidc_link.conftest import Provider, providers_toml

pytestmark = pytest.mark.browser


@pytest.fixture
async def system_with_providers(start_system, provider: Provider, tmp_path):
    path = tmp_path / "providers.toml"
    path.write_text(providers_toml(provider))
    system = await start_system(
        OIDC_PROVIDERS_FILE=str(path), OIDC_ACME_SECRET="acme-secret-0123456789", OIDC_GLOBEX_SECRET="globex-secret-0123456789"
    )
    # The provider must know the gateway's real callback address (its port is chosen per test).
    await provider.control("acme", redirect_uri=system.gateway + "/api/v1/sso/callback")
    return system


async def test_user_links_a_provider_then_signs_in_with_it(system_with_providers, browser_page):
    system, page = system_with_providers, browser_page
    await create_user(system, "sam@example.com", name="Sam Linked")
    await sign_in(page, system.gateway, "sam@example.com")
    await page.wait_for_url(system.gateway + "/account")

    await page.click("#link-buttons button:has-text('Link Acme')")
    await page.wait_for_url(system.gateway + "/account?sso=linked")
    await page.locator("#message").filter(has_text="now linked").wait_for()
    await page.locator("#linked-list li").filter(has_text="Acme").wait_for()

    await page.click("#sign-out")
    await page.wait_for_url(system.gateway + "/login?notice=signed_out")
    await page.click("#provider-list a:has-text('Continue with Acme')")
    await page.wait_for_url(system.gateway + "/account")
    await page.locator("#profile-name").filter(has_text="Sam Linked").wait_for()
