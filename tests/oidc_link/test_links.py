"""Linking a provider account, listing, reading and unlinking links."""

from __future__ import annotations

from tests.oidc_link.conftest import PUBLIC_URL, identity, query_of

LINKED = PUBLIC_URL + "/account?sso=linked"


async def test_link_url_carries_state_nonce_and_pkce_s256(browser, provider):
    link = await browser.start_link(101, "acme")
    params = query_of(link)
    assert link.startswith(provider.issuer("acme") + "/authorize?")
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) >= 43
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert params["redirect_uri"] == PUBLIC_URL + "/api/v1/sso/callback"
    assert params["client_id"] == "latchkey-acme"
    assert set(params["scope"].split()) == {"openid", "email", "profile"}


async def test_linked_provider_is_listed_read_and_unlinked_then_relinked(browser, http, sso):
    service, headers = sso.urls["oidc-link"], identity(sso, 101)
    assert await browser.link(101, "acme") == LINKED

    async with http.get(service + "/api/v1/sso", headers=headers) as response:
        assert response.status == 200
        assert await response.json() == [{"id": "acme", "name": "Acme", "icon": "https://icons.example/acme.svg"}]
    async with http.get(service + "/api/v1/sso/acme", headers=headers) as response:
        assert response.status == 200
        assert (await response.json())["id"] == "acme"
    async with http.get(service + "/api/v1/sso/globex", headers=headers) as response:
        assert response.status == 404
        assert response.content_type == "application/problem+json"

    assert await browser.link(101, "globex", login_as="alice-g") == LINKED
    async with http.delete(service + "/api/v1/sso/acme", headers=headers) as response:
        assert response.status == 204
    async with http.get(service + "/api/v1/sso", headers=headers) as response:
        assert [p["id"] for p in await response.json()] == ["globex"]
    async with http.delete(service + "/api/v1/sso/acme", headers=headers) as response:
        assert response.status == 404

    assert await browser.link(101, "acme") == LINKED
    async with http.get(service + "/api/v1/sso", headers=headers) as response:
        assert sorted(p["id"] for p in await response.json()) == ["acme", "globex"]


async def test_link_is_stored_with_subject_and_email(browser, db):
    await browser.link(101, "acme", login_as="sub-123", email="a@example.com")
    row = await db.fetchrow("SELECT user_id, issuer, subject, email, linked_at FROM oidc.links")
    assert (row["user_id"], row["issuer"], row["subject"], row["email"]) == (101, "acme", "sub-123", "a@example.com")
    assert row["linked_at"] is not None


async def test_provider_account_linked_to_another_user_is_refused(browser, http, sso):
    assert await browser.link(101, "acme", login_as="shared") == LINKED
    assert await browser.link(202, "acme", login_as="shared") == PUBLIC_URL + "/account?sso_error=account_linked_elsewhere"
    async with http.get(sso.urls["oidc-link"] + "/api/v1/sso", headers=identity(sso, 202)) as response:
        assert await response.json() == []


async def test_second_account_of_the_same_provider_is_refused_until_unlinked(browser):
    assert await browser.link(101, "acme", login_as="first") == LINKED
    assert await browser.link(101, "acme", login_as="second") == PUBLIC_URL + "/account?sso_error=provider_already_linked"
    assert await browser.link(101, "acme", login_as="first") == LINKED


async def test_configured_providers_are_listed_publicly(sso, http):
    async with http.get(sso.urls["oidc-link"] + "/api/v1/sso/providers") as response:
        assert response.status == 200
        assert [p["id"] for p in await response.json()] == ["acme", "globex"]


async def test_linking_and_unlinking_are_in_the_users_security_log(browser, http, sso, db):
    """oidc-link owns the links; session keeps the user's log, told over its internal API."""
    from session import operator
    from session.settings import Settings

    user = await operator.create_user(Settings.from_env(sso.env), email="alice@example.com", password="a long passphrase",
                                      org_id=None)
    assert await browser.link(user["userid"], "acme") == LINKED
    async with http.delete(sso.urls["oidc-link"] + "/api/v1/sso/acme", headers=identity(sso, user["userid"])) as response:
        assert response.status == 204
    rows = await db.fetch(
        "SELECT event, subject, method FROM session.security_events WHERE user_id = $1 AND event LIKE 'sso.%' ORDER BY id",
        user["userid"],
    )
    assert [tuple(row) for row in rows] == [("sso.linked", "acme", "oauth"), ("sso.unlinked", "acme", "oauth")]
    rows = repr([dict(r) for r in await db.fetch("SELECT * FROM session.security_events")])
    assert browser.flow_cookie not in rows


async def test_only_the_events_a_service_owns_can_be_reported(sso, http):
    from tests.session.conftest import service_auth

    url = sso.urls["session"] + "/internal/users/1/events"
    async with http.post(url, json={"event": "password.reset"}, headers=service_auth(sso, "oidc-link")) as response:
        assert response.status == 400
    async with http.post(url, json={"event": "sso.linked"}, headers=service_auth(sso, "org-provisioning")) as response:
        assert response.status in (401, 403)
