"""DELETE /api/1/users/me: the account goes with its sessions, API key, Basic and OpenID links; the email is free again."""

from __future__ import annotations

import base64

from .conftest import PASSWORD, account_error, bearer

ME = "/api/1/users/me"


def basic(email: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()}


async def link_accounts(db, userid: int) -> None:
    """Two OpenID links, as the SSO callback stores them."""
    await db.execute(
        "INSERT INTO oidc.links (user_id, issuer, subject) VALUES ($1, 'acme', 'sub-1'), ($1, 'globex', 'sub-2')", userid
    )


async def test_deleting_the_account_ends_everything_it_had(lifecycle_system, make_person, http, db):
    gateway = lifecycle_system.gateway
    userid, sesskey = await make_person(lifecycle_system)
    async with http.post(gateway + "/api/1/auth/session", json={"email": "ada@example.com", "password": PASSWORD}) as response:
        other_sesskey = (await response.json())["data"]["sesskey"]
    async with http.get(gateway + ME + "/apikey", headers=bearer(sesskey)) as response:
        apikey = (await response.json())["data"]["apikey"]
    async with http.get(gateway + ME, headers=basic("ada@example.com", PASSWORD)) as response:
        assert response.status == 200  # Basic is now cached at the gateway
    await link_accounts(db, userid)

    async with http.delete(gateway + ME, json={"password": PASSWORD}, headers=bearer(sesskey)) as response:
        assert response.status == 200 and (await response.json())["data"] == {"deleted": True}
        cleared = response.cookies["sesskey"]
        assert cleared.value == "" and cleared["max-age"] == "0"

    for credential in (bearer(sesskey), bearer(other_sesskey), {"X-API-Key": apikey}, basic("ada@example.com", PASSWORD)):
        async with http.get(gateway + ME, headers=credential) as response:
            assert response.status == 401, credential
    assert await db.fetchval("SELECT count(*) FROM session.users WHERE userid = $1", userid) == 0
    assert await db.fetchval("SELECT count(*) FROM oidc.links WHERE user_id = $1", userid) == 0
    # The security log stays (for its retention), with no email in it: the deletion row keeps only a keyed hash.
    rows = await db.fetch("SELECT event, detail::text AS detail FROM session.security_events WHERE user_id = $1 ORDER BY id", userid)
    assert "login.succeeded" in {row["event"] for row in rows} and rows[-1]["event"] == "account.deleted"
    assert "emailHash" in rows[-1]["detail"]
    assert not any("ada@example.com" in row["detail"] for row in rows)

    # The address is free: a new account may use it (a new user, not the old one back).
    new_userid, _ = await make_person(lifecycle_system)
    assert new_userid != userid


async def test_a_wrong_or_missing_password_deletes_nothing(lifecycle_system, make_person, http, db):
    userid, sesskey = await make_person(lifecycle_system)
    for body, problem in (({"password": "not it"}, "does not match the current password"), ({}, "is required")):
        async with http.delete(lifecycle_system.gateway + ME, json=body, headers=bearer(sesskey)) as response:
            assert await account_error(response) == (400, "validation_failed", {"password": problem})
    async with http.get(lifecycle_system.gateway + ME, headers=bearer(sesskey)) as response:
        assert response.status == 200
    assert await db.fetchval("SELECT count(*) FROM session.users WHERE userid = $1", userid) == 1


async def test_an_api_key_cannot_delete_the_account(lifecycle_system, make_person, http):
    _userid, sesskey = await make_person(lifecycle_system)
    async with http.get(lifecycle_system.gateway + ME + "/apikey", headers=bearer(sesskey)) as response:
        apikey = (await response.json())["data"]["apikey"]
    async with http.delete(lifecycle_system.gateway + ME, json={"password": PASSWORD}, headers={"X-API-Key": apikey}) as response:
        assert (await account_error(response))[:2] == (403, "forbidden_auth_method")


async def test_a_user_provisioned_by_an_organization_is_deleted_by_it_not_by_themselves(lifecycle_system, http):
    from org_provisioning import operator as org_operator
    from org_provisioning.settings import Settings as OrgSettings

    gateway = lifecycle_system.gateway
    org = await org_operator.create_organization(OrgSettings.from_env(lifecycle_system.env), slug="acme", name="Acme", auth_redirect_url=None)
    partner = {"x-org-id": "acme", "x-api-key": org["apiKey"]}
    async with http.post(gateway + "/api/organization/acme/user/alice/update", json={"email": "alice@acme.example"}, headers=partner) as response:
        assert response.status == 201
    async with http.post(gateway + "/api/organization/acme/user/alice/generate-token", headers=partner) as response:
        token = (await response.json())["refreshToken"]
    async with http.post(gateway + "/api/auth/refresh-token", json={"refreshToken": token}) as response:
        sesskey = (await response.json())["sessionToken"]
    async with http.delete(gateway + ME, json={"password": "anything"}, headers=bearer(sesskey)) as response:
        assert (await account_error(response))[:2] == (403, "managed_by_organization")
    async with http.get(gateway + ME, headers=bearer(sesskey)) as response:
        assert response.status == 200


async def test_with_oidc_link_down_nothing_is_deleted_and_the_answer_says_try_later(start_system, make_person, http, db):
    from tests.session.conftest import CHEAP_ARGON2

    system = await start_system(("session", "org-provisioning", "gateway"), **CHEAP_ARGON2)  # no oidc-link
    userid, sesskey = await make_person(system)
    async with http.delete(system.gateway + ME, json={"password": PASSWORD}, headers=bearer(sesskey)) as response:
        assert response.status == 503 and "Retry-After" in response.headers
    async with http.get(system.gateway + ME, headers=bearer(sesskey)) as response:
        assert response.status == 200
    assert await db.fetchval("SELECT count(*) FROM session.users WHERE userid = $1", userid) == 1
