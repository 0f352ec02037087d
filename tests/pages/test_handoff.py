"""The browser handoff at the gateway: out to the partner's sign-in page, back with a one-time token."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from yarl import URL

from tests.harness import client
from tests.pages.organizations import create_organization, refresh_token_for

PARTNER_LOGIN = "http://localhost:9/partner/login?tenant=acme&lang=en"

OPEN_REDIRECTS = [
    "//evil.example",
    "//evil.example/account",
    "https://evil.example",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "%2F%2Fevil.example",
    "/%2Fevil.example",
    "/%5Cevil.example",
    "%252F%252Fevil.example",
    "/%09/evil.example",
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "evil.example",
]


def login_url(system, raw_query: str) -> URL:
    """A URL sent exactly as written: no client-side re-encoding hides what an attacker sends."""
    return URL(f"{system.gateway}/login?{raw_query}", encoded=True)


async def test_login_for_an_organization_redirects_to_its_sign_in_page_with_an_absolute_return_to(system, http):
    await create_organization(system, "acme", PARTNER_LOGIN)
    return_to = quote("/organization/acme/settings?tab=ux", safe="")
    async with http.get(login_url(system, f"org=acme&return_to={return_to}"), allow_redirects=False) as response:
        assert response.status == 302
        location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("http", "localhost:9", "/partner/login")
    query = parse_qs(location.query)
    assert query["tenant"] == ["acme"] and query["lang"] == ["en"]
    assert query["return_to"] == [system.gateway + "/organization/acme/settings?tab=ux"]


async def test_return_to_defaults_to_the_account_page(system, http):
    await create_organization(system, "acme", PARTNER_LOGIN)
    async with http.get(login_url(system, "org=acme"), allow_redirects=False) as response:
        assert response.status == 302
        assert parse_qs(urlsplit(response.headers["Location"]).query)["return_to"] == [system.gateway + "/account"]


@pytest.mark.parametrize("attack", OPEN_REDIRECTS)
@pytest.mark.parametrize("encoding", ["as typed", "form-encoded"])
async def test_open_redirect_attempts_on_return_to_are_refused(system, http, attack, encoding):
    await create_organization(system, "acme", PARTNER_LOGIN)
    value = attack if encoding == "as typed" else quote(attack, safe="")
    async with http.get(login_url(system, f"org=acme&return_to={value}"), allow_redirects=False) as response:
        assert response.status == 400
        assert "Location" not in response.headers
        assert "The return address must be a page on this site." in await response.text()


async def test_password_sign_in_refuses_an_off_site_return_to_too(system, http):
    async with http.get(login_url(system, "return_to=//evil.example"), allow_redirects=False) as response:
        assert response.status == 400
        html = await response.text()
    assert "evil.example" not in html
    assert 'data-return-to="/account"' in html


async def test_organization_without_auth_redirect_url_gets_the_password_sign_in_page(system, http):
    await create_organization(system, "plain-org", None)
    async with http.get(login_url(system, "org=plain-org&return_to=/account"), allow_redirects=False) as response:
        assert response.status == 200
        html = await response.text()
    assert "Sign in to Plain Org" in html and 'id="password-form"' in html


@pytest.mark.parametrize("slug", ["nobody-here", "../internal", "a%2Fb"])
async def test_unknown_organization_gets_the_sign_in_page_with_a_message(system, http, slug):
    async with http.get(login_url(system, f"org={slug}"), allow_redirects=False) as response:
        assert response.status == 404
        assert "We do not know that organization" in await response.text()


async def test_refresh_token_in_a_page_url_becomes_a_session_and_leaves_the_address_bar(system, http):
    org = await create_organization(system, "acme", PARTNER_LOGIN)
    token = await refresh_token_for(http, system, org, "ada", name="Ada Lovelace", email="ada@partner.example")
    browser_url = URL(f"{system.gateway}/account?tab=keys&refresh-token={quote(token['refreshToken'])}", encoded=True)
    async with client() as browser:
        async with browser.get(browser_url, allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/account?tab=keys"
            cookie = response.cookies["sesskey"]
            assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
        async with browser.get(system.gateway + "/api/1/users/me") as response:
            assert response.status == 200
            user = (await response.json())["data"]
    assert (user["name"], user["email"]) == ("Ada Lovelace", "ada@partner.example")


async def test_login_url_from_generate_token_signs_the_browser_in_on_the_home_page(system, http):
    org = await create_organization(system, "acme", PARTNER_LOGIN)
    token = await refresh_token_for(http, system, org, "grace", name="Grace Hopper", email="grace@partner.example")
    async with client() as browser:
        async with browser.get(token["loginUrl"], allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/"
            assert "sesskey" in response.cookies


async def test_replayed_refresh_token_shows_sign_in_and_never_a_session(system, http):
    org = await create_organization(system, "acme", PARTNER_LOGIN)
    token = (await refresh_token_for(http, system, org, "ada", name="Ada", email="ada@partner.example"))["refreshToken"]
    url = URL(f"{system.gateway}/account?refresh-token={quote(token)}", encoded=True)
    async with client() as first, client() as second:
        async with first.get(url, allow_redirects=False) as response:
            assert response.status == 303
        async with second.get(url, allow_redirects=False) as response:
            assert response.status == 401
            assert "Set-Cookie" not in response.headers
            html = await response.text()
    assert "This sign-in link is used, expired or unknown." in html
    assert token not in html
    assert 'data-return-to="/account"' in html


@pytest.mark.parametrize("query", ["refresh-token=made-up-token", "refresh-token=", "refresh-token=a&refresh-token=b"])
async def test_unknown_or_malformed_refresh_token_gives_no_session(system, http, query):
    async with http.get(URL(f"{system.gateway}/?{query}", encoded=True), allow_redirects=False) as response:
        assert response.status == 401
        assert "Set-Cookie" not in response.headers
        assert "This sign-in link is used, expired or unknown." in await response.text()


async def test_refresh_token_never_reaches_a_log_line(system, http, caplog):
    org = await create_organization(system, "acme", PARTNER_LOGIN)
    token = (await refresh_token_for(http, system, org, "ada", name="Ada", email="ada@partner.example"))["refreshToken"]
    caplog.set_level(logging.DEBUG)
    for _attempt in range(2):  # once accepted, once refused
        async with http.get(URL(f"{system.gateway}/?refresh-token={quote(token)}", encoded=True), allow_redirects=False):
            pass
    assert caplog.records
    assert all(token not in record.getMessage() and token not in str(record.__dict__) for record in caplog.records)


async def test_the_same_refresh_token_sent_twice_at_once_gives_one_session(system, http):
    org = await create_organization(system, "acme", PARTNER_LOGIN)
    token = (await refresh_token_for(http, system, org, "ada", name="Ada", email="ada@partner.example"))["refreshToken"]
    url = URL(f"{system.gateway}/account?refresh-token={quote(token)}", encoded=True)

    async def open_link() -> tuple[int, bool]:
        async with client() as browser, browser.get(url, allow_redirects=False) as response:
            return response.status, "sesskey" in response.cookies

    outcomes = await asyncio.gather(*(open_link() for _ in range(5)))
    assert sorted(outcomes) == [(303, True)] + [(401, False)] * 4


async def test_a_link_preview_head_request_does_not_spend_the_token(system, http):
    org = await create_organization(system, "acme", PARTNER_LOGIN)
    token = (await refresh_token_for(http, system, org, "ada", name="Ada", email="ada@partner.example"))["refreshToken"]
    url = URL(f"{system.gateway}/?refresh-token={quote(token)}", encoded=True)
    async with http.head(url, allow_redirects=False) as response:
        assert "Set-Cookie" not in response.headers
    async with client() as browser, browser.get(url, allow_redirects=False) as response:
        assert response.status == 303 and "sesskey" in response.cookies


async def test_session_cookie_is_secure_when_the_public_url_is_https(start_system, http):
    system = await start_system(PUBLIC_URL="https://latchkey.example")
    org = await create_organization(system, "acme", PARTNER_LOGIN)
    token = (await refresh_token_for(http, system, org, "ada", name="Ada", email="ada@partner.example"))["refreshToken"]
    async with http.get(URL(f"{system.gateway}/?refresh-token={quote(token)}", encoded=True), allow_redirects=False) as response:
        assert response.status == 303
        assert response.cookies["sesskey"]["secure"]
