"""Provisioning users through the session service, end to end over real HTTP."""

import asyncio
from datetime import datetime

from session.sessions import session_entry, session_handle
from tests.org_provisioning.conftest import OrgApi, as_gateway, as_principal, exchange, org_url, session_principal

USER_FIELDS = {"id", "userName", "name", "role", "picture", "email", "orgId", "createdAt", "updatedAt"}


async def test_update_creates_with_201_then_updates_with_200_in_the_org_api_shape(acme_api):
    status, created = await acme_api.upsert("alice", email="alice@example.com", name="Alice", picture="https://cdn.example/a.png")
    assert status == 201
    assert set(created) == USER_FIELDS
    assert created["userName"] == "alice" and created["orgId"] == "acme" and created["role"] == "USER"
    assert created["email"] == "alice@example.com" and created["picture"] == "https://cdn.example/a.png"
    datetime.fromisoformat(created["createdAt"])
    status, updated = await acme_api.upsert("alice", role="ADMIN", name="Alice A.")
    assert status == 200
    assert updated["id"] == created["id"] and updated["role"] == "ADMIN" and updated["name"] == "Alice A."
    assert updated["email"] == "alice@example.com"
    assert (await acme_api.call("GET", "/user/alice")) == (200, updated)


async def test_the_seed_example_creates_a_user_without_an_email(acme_api):
    # SPEC §3: every field is optional on create; such a user signs in through the handoff or OIDC.
    status, created = await acme_api.upsert("johndoe", name="John Doe", role="USER", picture="https://cdn.example/j.png")
    assert status == 201, created
    assert created["email"] is None and created["name"] == "John Doe"
    status, bare = await acme_api.upsert("janedoe")
    assert status == 201 and bare["name"] == "janedoe" and bare["role"] == "USER" and bare["email"] is None
    status, updated = await acme_api.upsert("johndoe", email="john@example.com")
    assert status == 200 and updated["email"] == "john@example.com"


async def test_bad_fields_are_still_refused_on_create(acme_api):
    status, problem = await acme_api.upsert("bob", name="Bob", role="BOSS")
    assert status == 400
    assert set(problem["fields"]) == {"role"}


async def test_users_are_listed_page_by_page(acme_api):
    for index in range(5):
        await acme_api.upsert(f"user{index}", email=f"user{index}@example.com")
    seen, cursor = [], None
    while True:
        status, page = await acme_api.call("GET", "/users", params={"limit": "2", **({"cursor": cursor} if cursor else {})})
        assert status == 200 and len(page["users"]) <= 2
        seen += [user["userName"] for user in page["users"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert sorted(seen) == [f"user{index}" for index in range(5)]


async def test_an_admin_session_of_the_org_may_read_its_directory(acme_api, http):
    _, alice = await acme_api.upsert("alice", email="alice@example.com", role="ADMIN")
    admin = session_principal(user_id=alice["id"], org_id=acme_api.org["id"], role="ADMIN")
    url = org_url(acme_api.system, "/api/organization/acme/user/alice")
    async with http.get(url, headers=as_principal(acme_api.system, admin)) as response:
        assert response.status == 200 and (await response.json())["id"] == alice["id"]


async def test_organizations_sharing_a_user_name_never_see_each_others_user(acme_api, http, make_org):
    other = OrgApi(http, acme_api.system, await make_org("other"))
    _, acme_alice = await acme_api.upsert("alice", email="alice@acme.example")
    assert (await other.call("GET", "/user/alice"))[0] == 404
    assert (await other.call("DELETE", "/user/alice"))[0] == 404
    status, other_alice = await other.upsert("alice", email="alice@other.example")
    assert status == 201 and other_alice["id"] != acme_alice["id"]
    assert (await acme_api.call("GET", "/user/alice"))[1]["email"] == "alice@acme.example"
    assert [u["userName"] for u in (await other.call("GET", "/users"))[1]["users"]] == ["alice"]


async def test_generate_token_for_an_unknown_user_is_not_found(acme_api):
    status, problem = await acme_api.refresh_token("nobody")
    assert status == 404 and problem["code"] == "user_not_found"


async def test_refresh_token_becomes_an_org_sso_session(acme_api, http, redis_client):
    _, alice = await acme_api.upsert("alice", email="alice@example.com")
    status, issued = await acme_api.refresh_token("alice")
    assert status == 201 and issued["expiresIn"] == 300
    assert issued["loginUrl"] == acme_api.system.env["PUBLIC_URL"] + "/?refresh-token=" + issued["refreshToken"]
    status, body = await exchange(http, acme_api.system, issued["refreshToken"])
    assert status == 200
    assert body["user"] == alice | {"updatedAt": body["user"]["updatedAt"]}
    assert body["expiresIn"] > 0
    assert await redis_client.exists(session_entry(session_handle(body["sessionToken"])))


async def test_refresh_token_is_single_use_under_concurrency(acme_api, http):
    await acme_api.upsert("alice", email="alice@example.com")
    _, issued = await acme_api.refresh_token("alice")
    results = await asyncio.gather(*(exchange(http, acme_api.system, issued["refreshToken"]) for _ in range(50)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [401] * 49
    assert {body["code"] for status, body in results if status == 401} == {"invalid_refresh_token"}
    assert (await exchange(http, acme_api.system, issued["refreshToken"]))[0] == 401  # replay


async def test_gateway_exchange_returns_the_sesskey_and_internal_user(acme_api, http):
    _, alice = await acme_api.upsert("alice", email="alice@example.com")
    _, issued = await acme_api.refresh_token("alice")
    url = org_url(acme_api.system, "/internal/refresh-tokens/exchange")
    body = {"refreshToken": issued["refreshToken"]}
    async with http.post(url, json=body, headers=as_gateway(acme_api.system)) as response:
        assert response.status == 200
        answer = await response.json()
    assert answer["user"]["userid"] == alice["id"] and answer["user"]["partnerid"] == acme_api.org["id"]
    assert len(answer["sesskey"]) >= 26
    async with http.post(url, json=body, headers=as_gateway(acme_api.system)) as response:
        assert response.status == 401


async def test_deprovisioning_ends_the_user_and_all_its_sessions(acme_api, http, redis_client):
    await acme_api.upsert("alice", email="alice@example.com")
    sesskeys = []
    for _ in range(2):
        _, issued = await acme_api.refresh_token("alice")
        sesskeys.append((await exchange(http, acme_api.system, issued["refreshToken"]))[1]["sessionToken"])
    _, pending = await acme_api.refresh_token("alice")
    assert (await acme_api.call("DELETE", "/user/alice"))[0] == 204
    for sesskey in sesskeys:
        assert not await redis_client.exists(session_entry(session_handle(sesskey)))
    assert (await acme_api.call("GET", "/user/alice"))[0] == 404
    assert (await exchange(http, acme_api.system, pending["refreshToken"]))[0] == 401
    assert (await acme_api.call("DELETE", "/user/alice"))[0] == 404


async def test_a_disabled_user_gets_no_token_and_cannot_spend_an_earlier_one(acme_api, http, base_env):
    from session import operator as session_operator
    from session.settings import Settings as SessionSettings

    await acme_api.upsert("alice", email="alice@example.com")
    _, issued = await acme_api.refresh_token("alice")
    await session_operator.set_disabled(SessionSettings.from_env(base_env), email="alice@example.com", disabled=True)
    status, body = await exchange(http, acme_api.system, issued["refreshToken"])
    assert (status, body["code"]) == (401, "invalid_refresh_token")
    status, problem = await acme_api.refresh_token("alice")
    assert (status, problem["code"]) == (409, "user_disabled")
