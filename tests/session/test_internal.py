"""Internal routes: who may call them, and what the gateway and other services get back."""

from __future__ import annotations

import pytest

from latchkey import credential_cache
from latchkey.errors import SessionExpired
from latchkey.web import SETTINGS
from tests.session.conftest import PASSWORD, service_auth


def store_of(system):
    from session.keys import CONTEXT

    return system.apps["session"][CONTEXT].sessions


async def call(http, system, method, path, caller, json=None):
    headers = service_auth(system, caller) if caller else {}
    async with http.request(method, system.urls["session"] + path, json=json, headers=headers) as response:
        text = await response.text()
        return response.status, (await response.json(content_type=None) if text else None)


async def put_user(http, system, org_id, user_name, **fields):
    return await call(http, system, "PUT", f"/internal/organizations/{org_id}/users/{user_name}", "org-provisioning", fields)


@pytest.mark.parametrize(
    "method, path, allowed, refused",
    [
        ("POST", "/internal/auth/password", "gateway", "org-provisioning"),
        ("POST", "/internal/auth/api-key", "gateway", "oidc-link"),
        ("POST", "/internal/sessions", "org-provisioning", "gateway"),
        ("PUT", "/internal/organizations/1/users/bob", "org-provisioning", "oidc-link"),
        ("GET", "/internal/organizations/1/users", "org-provisioning", "gateway"),
        ("DELETE", "/internal/organizations/1/users/bob", "org-provisioning", "gateway"),
        ("GET", "/internal/users/1", "oidc-link", "org-provisioning"),
    ],
)
async def test_internal_routes_refuse_callers_the_contract_does_not_name(session_system, http, method, path, allowed, refused):
    for caller in (refused, None):
        status, body = await call(http, session_system, method, path, caller, {})
        assert status == 401 and body["code"] == "invalid_internal_token"
    status, _ = await call(http, session_system, method, path, allowed, {})
    assert status != 401


async def test_password_check_answers_the_user_and_publishes_its_credential_version(session_system, http, make_user, redis_client):
    await make_user(session_system)
    status, body = await call(http, session_system, "POST", "/internal/auth/password", "gateway", {"email": "ada@example.com", "password": PASSWORD})
    assert status == 200 and body["user"]["userid"] == 1 and body["user"]["hasPassword"] is True
    hmac_key = session_system.apps["session"][SETTINGS].cache_hmac_key
    published = await redis_client.get(credential_cache.credential_version_entry(hmac_key, "ada@example.com"))
    assert published.decode() == body["credentialVersion"]
    status, body = await call(http, session_system, "POST", "/internal/auth/password", "gateway", {"email": "ada@example.com", "password": "nope nope"})
    assert status == 401 and body["code"] == "invalid_credentials"


async def test_password_check_is_locked_like_login(start_system, http, make_user):
    from tests.session.conftest import CHEAP_ARGON2

    system = await start_system(("session",), LOGIN_MAX_FAILURES="2", **CHEAP_ARGON2)
    await make_user(system)
    for _ in range(2):
        await call(http, system, "POST", "/internal/auth/password", "gateway", {"email": "ada@example.com", "password": "nope nope"})
    status, body = await call(http, system, "POST", "/internal/auth/password", "gateway", {"email": "ada@example.com", "password": PASSWORD})
    assert status == 429 and body["code"] == "rate_limited"


async def test_services_open_sessions_for_users_they_vouch_for(session_system, http, make_user):
    await make_user(session_system)
    body = {"userId": 1, "amr": ["org_sso"], "perms": ["oauth"]}
    status, answer = await call(http, session_system, "POST", "/internal/sessions", "org-provisioning", body)
    assert status == 201 and answer["user"]["userid"] == 1 and answer["expiresIn"] > 0
    session = await store_of(session_system).touch(answer["sesskey"])
    assert session.amr == ("org_sso",) and session.perms == frozenset({"oauth"}) and session.org_id == 1
    status, answer = await call(http, session_system, "POST", "/internal/sessions", "oidc-link", {**body, "userId": 99})
    assert status == 404
    status, answer = await call(http, session_system, "POST", "/internal/sessions", "oidc-link", {"userId": "1", "amr": "x"})
    assert status == 400 and set(answer["fields"]) == {"userId"}


async def test_no_session_for_a_disabled_user(session_system, http, make_user):
    from session import operator
    from session.settings import Settings

    await make_user(session_system)
    await operator.set_disabled(Settings.from_env(session_system.env), email="ada@example.com", disabled=True)
    status, body = await call(http, session_system, "POST", "/internal/sessions", "oidc-link", {"userId": 1, "amr": ["oidc"], "perms": ["oauth"]})
    assert status == 403 and body["code"] == "user_disabled"


async def test_organization_users_are_created_then_updated(session_system, http):
    status, body = await put_user(http, session_system, 5, "bob.smith", email="bob@example.com", name="Bob", role="USER")
    assert status == 201
    user = body["user"]
    assert (user["userName"], user["partnerid"], user["email"], user["hasPassword"]) == ("bob.smith", 5, "bob@example.com", False)
    status, body = await put_user(http, session_system, 5, "bob.smith", picture="https://example.com/bob.png")
    assert status == 200 and body["user"]["picture"] == "https://example.com/bob.png" and body["user"]["name"] == "Bob"
    status, body = await call(http, session_system, "GET", "/internal/organizations/5/users/bob.smith", "org-provisioning")
    assert status == 200 and body["user"]["userid"] == user["userid"]
    status, _ = await call(http, session_system, "GET", "/internal/organizations/6/users/bob.smith", "org-provisioning")
    assert status == 404  # another organization never sees it


async def test_an_email_belongs_to_one_user_whatever_its_case(session_system, http):
    await put_user(http, session_system, 5, "bob", email="bob@example.com")
    status, body = await put_user(http, session_system, 7, "robert", email="BOB@example.com")
    assert status == 409 and body["code"] == "email_taken"


async def test_bad_user_fields_are_each_named(session_system, http):
    status, body = await put_user(http, session_system, 5, "bob", email="not-an-email", picture="javascript:alert(1)", name=42)
    assert status == 400 and set(body["fields"]) == {"email", "picture", "name"}
    status, body = await put_user(http, session_system, 5, "bad%20name")
    assert status == 400 and set(body["fields"]) == {"userName"}


async def test_organization_users_are_listed_page_by_page(session_system, http):
    for i in range(5):
        await put_user(http, session_system, 5, f"user{i}")
    await put_user(http, session_system, 6, "elsewhere")
    seen, cursor = [], None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        status, body = await call(http, session_system, "GET", "/internal/organizations/5/users" + query, "org-provisioning")
        assert status == 200
        seen += [u["userName"] for u in body["users"]]
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert seen == [f"user{i}" for i in range(5)]
    status, body = await call(http, session_system, "GET", "/internal/organizations/5/users?limit=0", "org-provisioning")
    assert status == 400 and set(body["fields"]) == {"limit"}


async def test_deprovisioning_ends_sessions_and_cached_credentials(session_system, http, redis_client):
    _, body = await put_user(http, session_system, 5, "bob", email="bob@example.com")
    userid = body["user"]["userid"]
    _, opened = await call(http, session_system, "POST", "/internal/sessions", "org-provisioning", {"userId": userid, "amr": ["org_sso"], "perms": ["oauth"]})
    hmac_key = session_system.apps["session"][SETTINGS].cache_hmac_key
    version_entry = credential_cache.credential_version_entry(hmac_key, "bob@example.com")
    await redis_client.set(version_entry, "v1")
    status, _ = await call(http, session_system, "DELETE", "/internal/organizations/5/users/bob", "org-provisioning")
    assert status == 204
    with pytest.raises(SessionExpired):
        await store_of(session_system).touch(opened["sesskey"])
    assert await redis_client.exists(version_entry) == 0
    status, _ = await call(http, session_system, "GET", f"/internal/users/{userid}", "oidc-link")
    assert status == 404
    status, _ = await call(http, session_system, "DELETE", "/internal/organizations/5/users/bob", "org-provisioning")
    assert status == 404


async def test_a_role_change_ends_the_sessions_that_carry_the_old_role(session_system, http):
    _, body = await put_user(http, session_system, 5, "bob", role="ADMIN")
    _, opened = await call(http, session_system, "POST", "/internal/sessions", "org-provisioning", {"userId": body["user"]["userid"], "amr": ["org_sso"], "perms": ["oauth"]})
    await put_user(http, session_system, 5, "bob", name="Bob")  # no role change: the session lives
    await store_of(session_system).touch(opened["sesskey"])
    await put_user(http, session_system, 5, "bob", role="USER")
    with pytest.raises(SessionExpired):
        await store_of(session_system).touch(opened["sesskey"])


async def test_oidc_link_reads_a_user_by_id(session_system, http, make_user):
    await make_user(session_system)
    status, body = await call(http, session_system, "GET", "/internal/users/1", "oidc-link")
    assert status == 200 and body["user"]["email"] == "ada@example.com"
    status, _ = await call(http, session_system, "GET", "/internal/users/99999999999", "oidc-link")
    assert status == 404


async def test_an_api_key_of_a_disabled_user_is_refused(session_system, http, make_user):
    from session import operator
    from session.settings import Settings
    from latchkey.tokens import Principal
    from tests.session.test_account import call as account_call

    await make_user(session_system)
    _, shown, _ = await account_call(http, session_system, "GET", "/api/1/users/me/apikey", Principal(sub="1", amr=("basic",)))
    await operator.set_disabled(Settings.from_env(session_system.env), email="ada@example.com", disabled=True)
    status, body = await call(http, session_system, "POST", "/internal/auth/api-key", "gateway", {"apikey": shown["data"]["apikey"]})
    assert status == 401 and body["code"] == "invalid_credentials"


async def test_an_email_change_stops_cached_basic_for_the_old_email(session_system, http, redis_client):
    _, body = await put_user(http, session_system, 5, "bob", email="bob@example.com")
    hmac_key = session_system.apps["session"][SETTINGS].cache_hmac_key
    old_entry = credential_cache.credential_version_entry(hmac_key, "bob@example.com")
    await redis_client.set(old_entry, "v1")
    status, changed = await put_user(http, session_system, 5, "bob", email="robert@example.com")
    assert status == 200 and changed["user"]["email"] == "robert@example.com"
    assert await redis_client.exists(old_entry) == 0
