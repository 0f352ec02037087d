"""One principal per request: wrong credentials, ambiguity and CSRF at the edge (echo upstream)."""

from __future__ import annotations

import asyncio

from multidict import CIMultiDict

from session.sessions import SessionStore

from .support import new_session

ME = "/api/1/users/me"


async def error_of(response) -> tuple[int, str]:
    body = await response.json()
    code = body["error"]["code"] if "error" in body else body["code"]
    return response.status, code


async def test_an_unknown_session_key_is_refused_in_every_place_it_can_travel(gateway_to, echo, http):
    system = await gateway_to()
    unknown = "a" * 26
    for kwargs in (
        {"headers": {"Cookie": "sesskey=" + unknown}},
        {"headers": {"Authorization": "Bearer " + unknown}},
        {"params": {"sesskey": unknown}},
    ):
        async with http.get(system.gateway + ME, **kwargs) as response:
            assert await error_of(response) == (401, "session_expired")
    assert echo.seen == []


async def test_a_wrong_credential_never_falls_back_to_a_good_one(gateway_to, echo, sessions, http):
    system = await gateway_to()
    good = await new_session(sessions, 51)
    async with http.get(system.gateway + ME, headers={"Cookie": "sesskey=" + good, "Authorization": "Bearer wrong"}) as response:
        assert await error_of(response) == (401, "session_expired")
    async with http.get(system.gateway + ME, params={"sesskey": good}, headers={"Authorization": "Token abc"}) as response:
        assert await error_of(response) == (401, "invalid_credentials")
    async with http.get(system.gateway + ME, headers={"Authorization": "Basic !!not-base64!!"}) as response:
        assert await error_of(response) == (401, "invalid_credentials")
    assert echo.seen == []


async def test_an_expired_session_is_refused_after_its_idle_timeout(gateway_to, echo, redis_client, http):
    # 2 s, not less: on a loaded machine the first request may take a good part of a second.
    system = await gateway_to(SESSION_IDLE_TIMEOUT="2")
    sesskey = await new_session(SessionStore(redis_client, idle_timeout=2, absolute_lifetime=60), 52)
    async with http.get(system.gateway + ME, headers={"Authorization": "Bearer " + sesskey}) as response:
        assert response.status == 200
    await asyncio.sleep(2.3)
    async with http.get(system.gateway + ME, headers={"Authorization": "Bearer " + sesskey}) as response:
        assert await error_of(response) == (401, "session_expired")


async def test_credentials_of_two_users_are_ambiguous_and_of_one_user_are_fine(gateway_to, echo, sessions, http):
    system = await gateway_to()
    alice, bob = await new_session(sessions, 61), await new_session(sessions, 62)
    async with http.get(system.gateway + ME, headers={"Cookie": "sesskey=" + alice, "Authorization": "Bearer " + bob}) as response:
        assert await error_of(response) == (400, "ambiguous_credentials")
    async with http.get(system.gateway + "/api/v1/sso", params={"sesskey": alice}, headers={"Authorization": "Bearer " + bob}) as response:
        assert response.content_type == "application/problem+json"
        assert await error_of(response) == (400, "ambiguous_credentials")
    alice_again = await new_session(sessions, 61)
    async with http.get(system.gateway + ME, params={"sesskey": alice_again}, headers={"Authorization": "Bearer " + alice}) as response:
        assert response.status == 200
        assert (await response.json())["principal"]["sub"] == "61"


async def test_cookie_state_changes_need_our_origin(gateway_to, echo, sessions, http):
    system = await gateway_to()
    sesskey = await new_session(sessions, 71)
    cookie = {"Cookie": "sesskey=" + sesskey}
    url = system.gateway + "/api/1/users/me/apikey"
    for extra in ({}, {"Origin": "https://evil.example"}, {"Referer": "https://evil.example/page"}, {"Origin": "null"}):
        async with http.post(url, headers={**cookie, **extra}) as response:
            assert await error_of(response) == (403, "csrf_rejected")
    for extra in ({"Origin": system.gateway}, {"Referer": system.gateway + "/account?tab=1"}):
        async with http.post(url, headers={**cookie, **extra}) as response:
            assert response.status == 200
    # Reads need no origin, and an explicit credential is not ambient: no CSRF check.
    async with http.get(url, headers=cookie) as response:
        assert response.status == 200
    async with http.post(url, headers={"Authorization": "Bearer " + sesskey}) as response:
        assert response.status == 200


async def test_a_stale_cookie_does_not_block_public_routes(gateway_to, echo, sessions, http):
    system = await gateway_to()
    async with http.post(system.gateway + "/api/1/auth/session", json={"email": "a@example.com"}, headers={"Cookie": "sesskey=" + "b" * 26}) as response:
        assert response.status == 200
        seen = await response.json()
    assert seen["principal"] is None and "cookie" not in seen["headers"]
    fresh = await new_session(sessions, 91)
    stale_and_fresh = {"Cookie": "sesskey=" + "b" * 26, "Authorization": "Bearer " + fresh}
    async with http.get(system.gateway + "/api/v1/sso/providers", headers=stale_and_fresh) as response:
        assert (await response.json())["principal"]["sub"] == "91"
    # What the client chose to send is still judged strictly, even on a public route.
    async with http.get(system.gateway + "/api/v1/sso/providers", headers={"Authorization": "Bearer " + "c" * 26}) as response:
        assert await error_of(response) == (401, "session_expired")


async def test_org_routes_refuse_user_credentials_and_sso_needs_an_interactive_session(gateway_to, echo, sessions, http):
    system = await gateway_to()
    sesskey = await new_session(sessions, 81)
    bearer = {"Authorization": "Bearer " + sesskey}
    async with http.get(system.gateway + "/api/organization/acme/users", headers=bearer) as response:
        assert await error_of(response) == (403, "forbidden_auth_method")
    async with http.get(system.gateway + "/api/organization/acme/users") as response:
        assert await error_of(response) == (401, "unauthenticated")
    # A session without `oauth` (not an interactive sign-in) cannot use the SSO API.
    scripted = await new_session(sessions, 82, perms=(), amr=("org_sso",))
    async with http.get(system.gateway + "/api/v1/sso", headers={"Authorization": "Bearer " + scripted}) as response:
        assert await error_of(response) == (403, "forbidden_auth_method")
    async with http.get(system.gateway + "/api/v1/sso", headers=bearer) as response:
        assert response.status == 200


async def test_a_repeated_credential_header_is_checked_in_every_copy(gateway_to, echo, sessions, http):
    # A proxy or client library may send a header twice; the wrong copy must not be ignored.
    system = await gateway_to()
    good = await new_session(sessions, 57)
    twice = CIMultiDict([("Authorization", "Bearer " + good), ("Authorization", "Bearer wrong")])
    async with http.get(system.gateway + ME, headers=twice) as response:
        assert await error_of(response) == (401, "session_expired")
    other = await new_session(sessions, 58)
    twice = CIMultiDict([("Authorization", "Bearer " + good), ("Authorization", "Bearer " + other)])
    async with http.get(system.gateway + ME, headers=twice) as response:
        assert await error_of(response) == (400, "ambiguous_credentials")
    two_orgs = CIMultiDict([("x-org-id", "acme"), ("x-org-id", "other"), ("X-API-Key", "lk_key")])
    async with http.get(system.gateway + "/api/organization/acme/users", headers=two_orgs) as response:
        assert response.status == 400
    assert echo.seen == []
