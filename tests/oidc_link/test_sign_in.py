"""Signing in with a linked provider account, and keeping a way to sign in.

These need the session service's internal routes (users and sessions); they
skip, saying so, on a tree where the session service does not serve them yet.
"""

from __future__ import annotations

import asyncio
import base64

import pytest

from latchkey.internal_client import ServiceClient
from latchkey.tokens import TokenSigner
from tests.oidc_link.conftest import PUBLIC_URL, identity, query_of


def require_session_routes(system) -> None:
    paths = {resource.canonical for resource in system.apps["session"].router.resources()}
    missing = {"/internal/sessions", "/internal/users/{userid}", "/internal/organizations/{orgId}/users/{userName}"} - paths
    if missing:
        pytest.skip("session service does not serve " + ", ".join(sorted(missing)) + " yet")


def as_service(system, http, caller: str) -> ServiceClient:
    seed = base64.urlsafe_b64decode(system.env[caller.upper().replace("-", "_") + "_SIGNING_KEY"] + "==")
    return ServiceClient(http, TokenSigner(caller, seed), "session", (system.urls["session"],))


async def password_user(system, http) -> int:
    """A user who can also sign in with a password (created as an operator would)."""
    from session import operator
    from session.settings import Settings

    user = await operator.create_user(
        Settings.from_env(system.env),
        email="alice@example.com",
        password="correct horse battery",
        org_id=None,
        role="",
        name="Alice",
    )
    return user["userid"]


async def passwordless_user(system, http, user_name: str = "bob") -> int:
    """A user provisioned by an organization: no password of their own."""
    _status, body = await as_service(system, http, "org-provisioning").call(
        "PUT", f"/internal/organizations/1/users/{user_name}", json_body={"email": f"{user_name}@example.com", "name": user_name}
    )
    assert body["user"]["hasPassword"] is False
    return body["user"]["userid"]


@pytest.fixture
def session_routes(sso) -> None:
    require_session_routes(sso)


async def test_linked_account_signs_in_with_a_new_oidc_session(session_routes, sso, browser, http, redis_client, db):
    from session.sessions import SessionStore, session_handle

    user_id = await password_user(sso, http)
    await browser.link(user_id, "acme", login_as="alice-at-acme")
    callback_url = await browser.authorize(await browser.start_login("acme", "/dashboard?tab=2"), login_as="alice-at-acme")
    response = await browser.callback(callback_url)

    assert response.headers["Location"] == PUBLIC_URL + "/dashboard?tab=2"
    cookie = response.cookies["sesskey"]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    session = await SessionStore(redis_client, idle_timeout=1200, absolute_lifetime=43200).get(session_handle(cookie.value))
    assert session is not None
    assert (session.user_id, session.amr, session.perms) == (user_id, ("oidc",), frozenset({"oauth"}))
    assert await db.fetchval("SELECT last_used_at IS NOT NULL FROM oidc.links WHERE user_id = $1", user_id)


async def test_unlinked_provider_account_never_gets_a_session(session_routes, sso, browser, redis_client, db):
    callback_url = await browser.authorize(await browser.start_login("acme"), login_as="stranger")
    response = await browser.callback(callback_url)
    assert response.headers["Location"] == PUBLIC_URL + "/login?sso_error=not_linked"
    assert "sesskey" not in response.cookies
    assert await db.fetchval("SELECT count(*) FROM session.users") == 0
    assert await db.fetchval("SELECT count(*) FROM oidc.links") == 0


async def test_failed_sign_in_returns_to_the_login_page(session_routes, sso, browser, provider, http):
    user_id = await password_user(sso, http)
    await browser.link(user_id, "acme", login_as="alice-at-acme")
    await provider.control("acme", next_id_token={"expired": True})
    callback_url = await browser.authorize(await browser.start_login("acme"), login_as="alice-at-acme")
    response = await browser.callback(callback_url)
    assert response.headers["Location"] == PUBLIC_URL + "/login?sso_error=invalid_id_token"
    assert "sesskey" not in response.cookies


async def test_last_sign_in_method_cannot_be_unlinked(session_routes, sso, browser, http):
    user_id = await passwordless_user(sso, http)
    service, headers = sso.urls["oidc-link"], identity(sso, user_id)
    await browser.link(user_id, "acme", login_as="bob-at-acme")
    await browser.link(user_id, "globex", login_as="bob-at-globex")

    async with http.delete(service + "/api/v1/sso/globex", headers=headers) as response:
        assert response.status == 204
    async with http.delete(service + "/api/v1/sso/acme", headers=headers) as response:
        assert response.status == 409
        assert (await response.json())["code"] == "last_sign_in_method"
    async with http.get(service + "/api/v1/sso", headers=headers) as response:
        assert [p["id"] for p in await response.json()] == ["acme"]


async def test_a_user_with_a_password_may_unlink_every_provider(session_routes, sso, browser, http):
    user_id = await password_user(sso, http)
    await browser.link(user_id, "acme")
    async with http.delete(sso.urls["oidc-link"] + "/api/v1/sso/acme", headers=identity(sso, user_id)) as response:
        assert response.status == 204


async def test_sign_in_url_carries_state_nonce_and_pkce(sso, browser, provider):
    link = await browser.start_login("globex")
    params = query_of(link)
    assert link.startswith(provider.issuer("globex") + "/authorize?")
    assert params["code_challenge_method"] == "S256" and params["state"] and params["nonce"]


async def test_sign_in_started_by_someone_else_gives_no_session(session_routes, sso, browser, http):
    # Login CSRF: the attacker's own sign-in, finished in the victim's browser.
    user_id = await password_user(sso, http)
    await browser.link(user_id, "acme", login_as="attacker")
    callback_url = await browser.authorize(await browser.start_login("acme"), login_as="attacker")
    response = await browser.callback(callback_url, with_flow_cookie=False)
    assert response.headers["Location"] == PUBLIC_URL + "/login?sso_error=invalid_state"
    assert "sesskey" not in response.cookies


async def test_concurrent_unlinks_never_remove_the_last_way_in(session_routes, sso, browser, http):
    user_id = await passwordless_user(sso, http, "carol")
    await browser.link(user_id, "acme", login_as="carol-at-acme")
    await browser.link(user_id, "globex", login_as="carol-at-globex")

    async def unlink(issuer: str) -> int:
        url = f"{sso.urls['oidc-link']}/api/v1/sso/{issuer}"
        async with http.delete(url, headers=identity(sso, user_id)) as response:
            return response.status

    assert sorted(await asyncio.gather(unlink("acme"), unlink("globex"))) == [204, 409]
    async with http.get(sso.urls["oidc-link"] + "/api/v1/sso", headers=identity(sso, user_id)) as response:
        assert len(await response.json()) == 1
