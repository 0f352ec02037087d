"""RFC 9207's `iss` in the authorization response, and claims the ID token left to UserInfo."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tests.oidc_link.conftest import PUBLIC_URL
from tests.oidc_link.test_callback_refusals import links_of

LINKED = PUBLIC_URL + "/account?sso=linked"
MIXED_UP = PUBLIC_URL + "/account?sso_error=issuer_mismatch"


def with_iss(url: str, iss: str | None) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "iss"] + ([("iss", iss)] if iss is not None else [])
    return urlunsplit(parts._replace(query=urlencode(query)))


async def test_the_provider_names_itself_in_the_redirect_back(browser, provider):
    callback_url = await browser.authorize(await browser.start_link(101, "acme"))
    assert dict(parse_qsl(urlsplit(callback_url).query))["iss"] == provider.issuer("acme")


async def test_a_response_naming_another_issuer_is_refused_and_links_nothing(browser, http, sso):
    # The mix-up attack: a code from elsewhere brought back to a flow started with acme.
    callback_url = await browser.authorize(await browser.start_link(101, "acme"))
    landed = (await browser.callback(with_iss(callback_url, "https://evil.example"))).headers["Location"]
    assert landed == MIXED_UP
    assert await links_of(http, sso, 101) == []


async def test_a_response_without_iss_is_refused_when_the_provider_advertises_it(browser, http, sso):
    callback_url = await browser.authorize(await browser.start_link(101, "acme"))
    assert (await browser.callback(with_iss(callback_url, None))).headers["Location"] == MIXED_UP
    assert await links_of(http, sso, 101) == []


async def test_another_providers_issuer_is_refused(browser, provider):
    callback_url = await browser.authorize(await browser.start_link(101, "acme"))
    landed = (await browser.callback(with_iss(callback_url, provider.issuer("globex")))).headers["Location"]
    assert landed == MIXED_UP


async def test_a_provider_without_rfc9207_links_without_iss(browser, provider):
    await provider.control("acme", rfc9207=False)
    callback_url = await browser.authorize(await browser.start_link(101, "acme"))
    assert "iss" not in dict(parse_qsl(urlsplit(callback_url).query))
    assert (await browser.callback(callback_url)).headers["Location"] == LINKED


async def test_an_id_token_without_email_gets_it_from_userinfo(browser, provider, db):
    await provider.control("acme", next_id_token={"omit_profile": True})
    assert await browser.link(101, "acme", email="alice@example.com") == LINKED
    assert await db.fetchval("SELECT email FROM oidc.links WHERE user_id = 101") == "alice@example.com"
    assert (await provider.counters("acme"))["userinfo"] == 1


async def test_an_id_token_with_email_costs_no_userinfo_call(browser, provider):
    assert await browser.link(101, "acme") == LINKED
    # The test provider's ID token carries email and name (scopes email, profile).
    assert (await provider.counters("acme"))["userinfo"] == 0


async def test_userinfo_about_another_subject_is_refused(browser, provider, http, sso):
    await provider.control("acme", next_id_token={"omit_profile": True}, userinfo={"sub": "mallory"})
    assert await browser.link(101, "acme") == PUBLIC_URL + "/account?sso_error=invalid_id_token"
    assert await links_of(http, sso, 101) == []
