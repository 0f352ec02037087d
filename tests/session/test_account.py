"""The signed-in user's routes, called as the gateway forwards them (identity header)."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from latchkey import credential_cache
from latchkey.errors import SessionExpired
from latchkey.tokens import Principal
from latchkey.web import SETTINGS
from tests.session.conftest import PASSWORD, identity, login, service_auth, session_principal


def store_of(system):
    from session.keys import CONTEXT

    return system.apps["session"][CONTEXT].sessions


async def call(http, system, method, path, principal=None, **kwargs):
    headers = {**kwargs.pop("headers", {}), **(identity(system, principal) if principal else {})}
    async with http.request(method, system.urls["session"] + path, headers=headers, **kwargs) as response:
        return response.status, await response.json(), response


def api_key_principal(userid: int = 1) -> Principal:
    return Principal(sub=str(userid), org=1, role="USER", amr=("api_key",))


async def test_current_session_shows_user_expiry_authentication_time_and_methods(start_system, http, make_user):
    from tests.session.conftest import CHEAP_ARGON2

    system = await start_system(("session",), SESSION_IDLE_TIMEOUT="600", **CHEAP_ARGON2)
    await make_user(system)
    before = time.time()
    principal = session_principal(await login(http, system))
    status, body, _ = await call(http, system, "GET", "/api/1/auth/session", principal)
    assert status == 200 and body["success"] is True
    data = body["data"]
    assert data["user"]["userid"] == 1 and data["user"]["email"] == "ada@example.com"
    assert data["methods"] == ["pwd"]
    expires = datetime.fromisoformat(data["expiresAt"]).timestamp()
    authenticated = datetime.fromisoformat(data["authenticatedAt"]).timestamp()
    assert before - 1 <= authenticated <= time.time() + 1
    assert abs(expires - (authenticated + 600)) < 5


async def test_routes_of_the_signed_in_user_need_the_gateway_identity(session_system, http):
    for method, path in [("GET", "/api/1/users/me"), ("GET", "/api/1/auth/session"), ("GET", "/api/1/users/me/apikey")]:
        status, body, _ = await call(http, session_system, method, path)
        assert status == 401 and body["success"] is False and body["error"]["code"] == "unauthenticated"


async def test_an_identity_not_signed_by_the_gateway_is_refused(session_system, http, make_user):
    from tests.session.conftest import signer_for

    await make_user(session_system)
    forged = signer_for(session_system, "org-provisioning").identity_token("session", Principal(sub="1"))
    status, body, _ = await call(http, session_system, "GET", "/api/1/users/me", headers={"X-Latchkey-Identity": forged})
    assert status == 401 and body["error"]["code"] == "invalid_internal_token"


async def test_me_answers_the_user_with_or_without_trailing_slash(session_system, http, make_user):
    await make_user(session_system)
    for path in ("/api/1/users/me", "/api/1/users/me/"):
        status, body, _ = await call(http, session_system, "GET", path, Principal(sub="1", amr=("basic",)))
        assert status == 200
        assert body == {
            "success": True,
            "data": {"userid": 1, "email": "ada@example.com", "name": "Ada", "role": "USER", "partnerid": 1, "userName": None, "picture": None, "emailVerified": False},
        }


async def test_logout_destroys_the_session_and_clears_the_cookie(session_system, http, make_user):
    await make_user(session_system)
    body = await login(http, session_system)
    other = await login(http, session_system)
    status, _, response = await call(http, session_system, "DELETE", "/api/1/auth/session/", session_principal(body))
    assert status == 200
    cleared = response.cookies["sesskey"]
    assert cleared.value == "" and cleared["max-age"] == "0"
    with pytest.raises(SessionExpired):
        await store_of(session_system).touch(body["data"]["sesskey"])
    await store_of(session_system).touch(other["data"]["sesskey"])


async def test_logout_everywhere_ends_every_session_of_the_user(session_system, http, make_user):
    await make_user(session_system)
    logins = [await login(http, session_system) for _ in range(3)]
    status, body, _ = await call(http, session_system, "DELETE", "/api/1/auth/sessions", session_principal(logins[0]))
    assert status == 200 and body["data"]["ended"] == 3
    for each in logins:
        with pytest.raises(SessionExpired):
            await store_of(session_system).touch(each["data"]["sesskey"])


async def test_the_api_key_is_shown_again_and_stored_only_hashed_and_sealed(session_system, http, make_user, db):
    await make_user(session_system)
    principal = Principal(sub="1", amr=("basic",))
    _, first, _ = await call(http, session_system, "GET", "/api/1/users/me/apikey", principal)
    _, again, _ = await call(http, session_system, "GET", "/api/1/users/me/apikey/", principal)
    key = first["data"]["apikey"]
    assert len(key) == 30 and key.isalnum() and again["data"]["apikey"] == key
    row = await db.fetchrow("SELECT * FROM session.users WHERE userid = 1")
    assert all(key not in str(value) for value in row.values())


async def test_regenerating_the_api_key_makes_the_old_one_fail_at_once(session_system, http, make_user, redis_client):
    await make_user(session_system)
    principal = session_principal(await login(http, session_system))
    _, shown, _ = await call(http, session_system, "GET", "/api/1/users/me/apikey", principal)
    old = shown["data"]["apikey"]
    await credential_cache.write(redis_client, credential_cache.api_key_entry(old), {"sub": "1"})
    status, regenerated, _ = await call(http, session_system, "POST", "/api/1/users/me/apikey", principal)
    new = regenerated["data"]["apikey"]
    assert status == 200 and new != old
    assert await redis_client.exists(credential_cache.api_key_entry(old)) == 0
    verify = session_system.urls["session"] + "/internal/auth/api-key"
    async with http.post(verify, json={"apikey": old}, headers=service_auth(session_system, "gateway")) as response:
        assert response.status == 401 and (await response.json())["code"] == "invalid_credentials"
    async with http.post(verify, json={"apikey": new}, headers=service_auth(session_system, "gateway")) as response:
        assert response.status == 200 and (await response.json())["user"]["userid"] == 1


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", "/api/1/users/me/apikey", None),
        ("POST", "/api/1/users/me/apikey", None),
        ("PUT", "/api/1/users/me/password", {"currentPassword": PASSWORD, "newPassword": "another password"}),
    ],
)
async def test_sensitive_routes_refuse_api_key_principals(session_system, http, make_user, method, path, body):
    await make_user(session_system)
    status, answer, _ = await call(http, session_system, method, path, api_key_principal(), json=body)
    assert status == 403 and answer["error"]["code"] == "forbidden_auth_method"


async def test_password_change_ends_every_other_session_and_cached_basic(session_system, http, make_user, redis_client):
    await make_user(session_system)
    current, other = await login(http, session_system), await login(http, session_system)
    gateway = service_auth(session_system, "gateway")
    async with http.post(session_system.urls["session"] + "/internal/auth/password", json={"email": "ada@example.com", "password": PASSWORD}, headers=gateway):
        pass
    version_entry = credential_cache.credential_version_entry(session_system.apps["session"][SETTINGS].cache_hmac_key, "ada@example.com")
    assert await redis_client.exists(version_entry) == 1
    change = {"currentPassword": PASSWORD, "newPassword": "a brand new secret"}
    status, body, _ = await call(http, session_system, "PUT", "/api/1/users/me/password/", session_principal(current), json=change)
    assert status == 200 and body["data"]["endedSessions"] == 1
    store = store_of(session_system)
    await store.touch(current["data"]["sesskey"])
    with pytest.raises(SessionExpired):
        await store.touch(other["data"]["sesskey"])
    assert await redis_client.exists(version_entry) == 0
    await login(http, session_system, password="a brand new secret")
    async with http.post(session_system.urls["session"] + "/api/1/auth/session", json={"email": "ada@example.com", "password": PASSWORD}) as response:
        assert response.status == 401


async def test_password_change_checks_the_current_password_and_the_new_length(session_system, http, make_user):
    await make_user(session_system)
    principal = session_principal(await login(http, session_system))
    path = "/api/1/users/me/password"
    status, body, _ = await call(http, session_system, "PUT", path, principal, json={"currentPassword": "wrong one", "newPassword": "long enough"})
    assert status == 400 and set(body["error"]["fields"]) == {"currentPassword"}
    status, body, _ = await call(http, session_system, "PUT", path, principal, json={"currentPassword": PASSWORD, "newPassword": "short"})
    assert status == 400 and body["error"]["code"] == "validation_failed" and set(body["error"]["fields"]) == {"newPassword"}
    status, body, _ = await call(http, session_system, "PUT", path, principal, json={"currentPassword": PASSWORD})
    assert status == 400 and set(body["error"]["fields"]) == {"newPassword"}


async def test_unknown_routes_and_methods_answer_in_the_account_envelope(session_system, http):
    status, body, _ = await call(http, session_system, "GET", "/api/1/nothing-here")
    assert status == 404 and body["success"] is False and body["error"]["code"] == "not_found"
    status, body, _ = await call(http, session_system, "PUT", "/api/1/users/me", Principal(sub="1"))
    assert status == 405 and body["error"]["code"] == "method_not_allowed"


async def test_an_organization_key_is_not_a_user(session_system, http):
    org = Principal(sub="org:4", org=4, role="ORG", amr=("org_key",))
    status, body, _ = await call(http, session_system, "GET", "/api/1/users/me", org)
    assert status == 403 and body["error"]["code"] == "forbidden"


async def test_a_session_ended_meanwhile_is_reported_expired(session_system, http, make_user):
    await make_user(session_system)
    principal = session_principal(await login(http, session_system))
    await store_of(session_system).destroy(principal.sid)
    status, body, _ = await call(http, session_system, "GET", "/api/1/auth/session", principal)
    assert status == 401 and body["error"]["code"] == "session_expired"


async def test_a_provisioned_user_without_password_cannot_log_in_but_may_set_one(session_system, http):
    provisioning = service_auth(session_system, "org-provisioning")
    put = session_system.urls["session"] + "/internal/organizations/5/users/bob"
    async with http.put(put, json={"email": "bob@example.com"}, headers=provisioning) as response:
        userid = (await response.json())["user"]["userid"]
    async with http.post(session_system.urls["session"] + "/api/1/auth/session", json={"email": "bob@example.com", "password": ""}) as response:
        assert response.status == 400
    async with http.post(session_system.urls["session"] + "/api/1/auth/session", json={"email": "bob@example.com", "password": "anything at all"}) as response:
        assert response.status == 401
    principal = Principal(sub=str(userid), org=5, perms=frozenset({"oauth"}), amr=("org_sso",))
    status, _, _ = await call(http, session_system, "PUT", "/api/1/users/me/password", principal, json={"newPassword": "now i have one"})
    assert status == 200
    await login(http, session_system, email="bob@example.com", password="now i have one")
