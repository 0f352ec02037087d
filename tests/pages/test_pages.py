"""The pages the gateway serves: strict headers, scripts from the gateway only, every value escaped."""

from __future__ import annotations

import re

import pytest
from yarl import URL

from tests.harness import client

PAGES = ["/", "/login", "/account", "/organization/acme/settings", "/organization/acme/integrations"]


@pytest.fixture
async def signed_cookie_client(system):
    # The pages only look for the cookie; what it is worth is the APIs' business.
    async with client(cookies={"sesskey": "not-checked-by-the-shell"}) as session:
        yield session


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_forbids_inline_scripts_framing_and_referrers(system, signed_cookie_client, path):
    async with signed_cookie_client.get(system.gateway + path) as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        html = await response.text()
    assert re.findall(r"<script(?![^>]*\bsrc=\"/assets/)", html) == []  # no inline script at all


async def test_page_scripts_and_styles_are_served_by_the_gateway(system, http):
    async with http.get(system.gateway + "/login") as response:
        assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', await response.text())
    assert {"/assets/common.js", "/assets/login.js", "/assets/pages.css"} <= set(assets)
    for path in assets:
        async with http.get(system.gateway + path) as response:
            assert response.status == 200
            assert response.content_type in ("text/javascript", "text/css", "image/svg+xml")
    async with http.get(system.gateway + "/assets/..%2Fhandoff.py") as response:
        assert response.status == 404


@pytest.mark.parametrize("path", ["/account", "/organization/acme/settings"])
async def test_signed_in_pages_send_a_browser_without_session_to_sign_in(system, http, path):
    async with http.get(system.gateway + path, allow_redirects=False) as response:
        assert response.status == 302
        assert response.headers["Location"] == "/login?return_to=" + path


async def test_values_from_the_address_bar_are_escaped(system, signed_cookie_client):
    url = URL(system.gateway + "/organization/").join(URL("%3Cscript%3Ealert(1)%3C%2Fscript%3E%22/settings", encoded=True))
    async with signed_cookie_client.get(url) as response:
        html = await response.text()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;" in html

    async with signed_cookie_client.get(
        system.gateway + "/login", params={"return_to": '/x"><script>alert(1)</script>', "sso_error": "<b>pwned</b>"}
    ) as response:
        html = await response.text()
    assert "<script>alert(1)" not in html and "<b>pwned" not in html
    assert 'value="/x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert "Signing in with the provider did not work." in html  # an unknown code is not echoed


async def test_sign_in_page_explains_a_known_provider_error(system, http):
    async with http.get(system.gateway + "/login", params={"sso_error": "not_linked"}) as response:
        assert response.status == 200
        assert "not linked to any Latchkey user" in await response.text()


@pytest.mark.parametrize(
    ("query", "expected"),
    [("sso=linked", "The provider is now linked to your account."), ("sso_error=account_linked_elsewhere", "already linked to another user")],
)
async def test_account_page_reports_how_linking_a_provider_went(system, signed_cookie_client, query, expected):
    async with signed_cookie_client.get(f"{system.gateway}/account?{query}") as response:
        assert expected in await response.text()


async def test_a_browser_gets_a_styled_error_page_and_an_api_client_keeps_json(system, http):
    browser_accept = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    async with http.get(system.gateway + "/nope", headers=browser_accept) as response:
        assert response.status == 404 and response.content_type == "text/html"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "Page not found" in await response.text()
    async with http.get(system.gateway + "/nope", headers={"Accept": "*/*"}) as response:
        assert response.status == 404 and response.content_type == "application/problem+json"
    async with http.get(system.gateway + "/api/1/nope", headers=browser_accept) as response:
        assert response.status == 404 and (await response.json())["error"]["code"] == "not_found"
    async with http.get(system.gateway + "/favicon.ico") as response:
        assert response.status == 200 and response.content_type == "image/svg+xml"
