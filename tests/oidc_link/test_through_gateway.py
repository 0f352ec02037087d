"""The whole SSO round trip as a browser makes it: through the gateway, with cookies."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.harness import client
from tests.oidc_link.test_sign_in import password_user, require_session_routes


@pytest.fixture
async def gateway_system(start_system, sso_env, provider):
    env = {key: value for key, value in sso_env.items() if key != "PUBLIC_URL"}  # PUBLIC_URL = the gateway
    system = await start_system(**env)
    require_session_routes(system)
    for tenant in ("acme", "globex"):
        await provider.control(tenant, redirect_uri=system.gateway + "/api/v1/sso/callback")
    return system


async def visit_provider(http, link: str, login_as: str) -> str:
    async with http.get(link + "&" + urlencode({"login_as": login_as}), allow_redirects=False) as response:
        assert response.status == 302
        return response.headers["Location"]


async def test_link_then_sign_in_through_the_gateway(gateway_system, http):
    system = gateway_system
    user_id = await password_user(system, http)
    origin = {"Origin": system.gateway}

    async with client() as browser:
        credentials = {"email": "alice@example.com", "password": "correct horse battery"}
        async with browser.post(system.gateway + "/api/1/auth/session", json=credentials) as r:
            assert r.status == 200
        async with browser.post(system.gateway + "/api/v1/sso", json={"issuer": "acme"}, headers=origin) as r:
            assert r.status == 200, await r.text()
            link = (await r.json())["link"]
        callback = await visit_provider(browser, link, "alice-at-acme")
        assert callback.startswith(system.gateway + "/api/v1/sso/callback?")
        async with browser.get(callback, allow_redirects=False) as r:
            assert r.status == 303
            assert r.headers["Location"] == system.gateway + "/account?sso=linked"
        async with browser.get(system.gateway + "/api/v1/sso") as r:
            assert [p["id"] for p in await r.json()] == ["acme"]

    async with client() as other_browser:
        async with other_browser.get(system.gateway + "/api/v1/sso/acme/login?return_to=/account", allow_redirects=False) as r:
            assert r.status == 302
            link = r.headers["Location"]
        callback = await visit_provider(other_browser, link, "alice-at-acme")
        async with other_browser.get(callback, allow_redirects=False) as r:
            assert r.status == 303
            assert r.headers["Location"] == system.gateway + "/account"
            assert "sesskey" in r.cookies
        async with other_browser.get(system.gateway + "/api/1/users/me") as r:
            assert r.status == 200
            assert (await r.json())["data"]["userid"] == user_id
