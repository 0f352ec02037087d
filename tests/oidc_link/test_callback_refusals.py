"""The callback refuses every ID token or state it cannot trust, and links nothing."""

from __future__ import annotations

import asyncio

import pytest

from tests.oidc_link.conftest import PUBLIC_URL, identity, query_of

LINKED = PUBLIC_URL + "/account?sso=linked"


async def links_of(http, sso, user_id: int) -> list[str]:
    async with http.get(sso.urls["oidc-link"] + "/api/v1/sso", headers=identity(sso, user_id)) as response:
        return [p["id"] for p in await response.json()]


@pytest.mark.parametrize(
    "knob",
    [
        {"nonce": "not-the-nonce-we-sent"},
        {"expired": True},
        {"issued_in_future": True},
        {"unknown_key": True},
        {"forged_signature": True},
        {"issuer": "https://impostor.example"},
        {"audience": "some-other-client"},
    ],
    ids=["wrong_nonce", "expired", "issued_in_future", "unknown_signing_key", "forged_signature", "wrong_issuer", "wrong_audience"],
)
async def test_untrustworthy_id_token_is_refused_and_links_nothing(browser, provider, http, sso, knob):
    await provider.control("acme", next_id_token=knob)
    landed = await browser.link(101, "acme")
    assert landed == PUBLIC_URL + "/account?sso_error=invalid_id_token"
    assert await links_of(http, sso, 101) == []


async def test_replayed_callback_is_refused(browser, http, sso):
    callback_url = await browser.authorize(await browser.start_link(101))
    assert (await browser.callback(callback_url)).headers["Location"] == LINKED
    replay = await browser.callback(callback_url)
    assert replay.headers["Location"] == PUBLIC_URL + "/login?sso_error=invalid_state"


async def test_forged_or_missing_state_is_refused(browser, http, sso):
    callback_url = await browser.authorize(await browser.start_link(101))
    code = query_of(callback_url)["code"]
    for query in (f"code={code}&state=forged-state", f"code={code}"):
        response = await browser.callback(browser.service + "/api/v1/sso/callback?" + query)
        assert response.headers["Location"] == PUBLIC_URL + "/login?sso_error=invalid_state"
    assert await links_of(http, sso, 101) == []


async def test_concurrent_callbacks_with_one_state_link_at_most_once(browser, sso, db):
    callback_url = await browser.authorize(await browser.start_link(101))
    responses = await asyncio.gather(*(browser.callback(callback_url) for _ in range(5)))
    outcomes = sorted(r.headers["Location"] for r in responses)
    assert outcomes.count(LINKED) == 1
    assert outcomes.count(PUBLIC_URL + "/login?sso_error=invalid_state") == 4
    assert await db.fetchval("SELECT count(*) FROM oidc.links") == 1


async def test_expired_flow_is_refused(start_system, sso_env, http):
    from tests.oidc_link.conftest import Browser

    system = await start_system(("oidc-link",), OIDC_FLOW_TTL="1", **sso_env)
    browser = Browser(system, http)
    callback_url = await browser.authorize(await browser.start_link(101))
    await asyncio.sleep(1.2)
    assert (await browser.callback(callback_url)).headers["Location"] == PUBLIC_URL + "/login?sso_error=invalid_state"


async def test_user_declining_at_the_provider_returns_with_an_error(browser):
    callback_url = await browser.authorize(await browser.start_link(101), deny="1")
    assert query_of(callback_url)["error"] == "access_denied"
    assert (await browser.callback(callback_url)).headers["Location"] == PUBLIC_URL + "/account?sso_error=access_denied"


async def test_unknown_signing_key_costs_exactly_one_jwks_refresh(browser, provider):
    assert await browser.link(101, "acme") == LINKED
    assert (await provider.counters("acme"))["jwks"] == 1
    await provider.control("acme", next_id_token={"unknown_key": True})
    assert await browser.link(102, "acme", login_as="bob") == PUBLIC_URL + "/account?sso_error=invalid_id_token"
    assert (await provider.counters("acme"))["jwks"] == 2


async def test_key_rotation_is_followed_after_one_jwks_refresh(browser, provider):
    assert await browser.link(101, "acme") == LINKED
    await provider.control("acme", rotate_keys=True)
    assert await browser.link(102, "acme", login_as="bob") == LINKED
    assert (await provider.counters("acme"))["jwks"] == 2
    assert await browser.link(103, "acme", login_as="carol") == LINKED
    counters = await provider.counters("acme")
    assert counters["jwks"] == 2  # the refreshed keys stay cached
    assert counters["discovery"] == 1  # discovery is fetched once, lazily


async def test_callback_in_another_browser_is_refused_and_spends_the_flow(browser, http, sso):
    # An attacker starts a link for their own user and gets the victim to finish it.
    callback_url = await browser.authorize(await browser.start_link(666), login_as="victim")
    elsewhere = await browser.callback(callback_url, with_flow_cookie=False)
    assert elsewhere.headers["Location"] == PUBLIC_URL + "/login?sso_error=invalid_state"
    assert (await browser.callback(callback_url)).headers["Location"] == PUBLIC_URL + "/login?sso_error=invalid_state"
    assert await links_of(http, sso, 666) == []


async def test_callback_clears_the_flow_cookie(browser):
    response = await browser.callback(await browser.authorize(await browser.start_link(101)))
    assert response.cookies["sso_flow"]["max-age"] == "0"
