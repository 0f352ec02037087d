"""DELETE /api/1/users/me: the account goes with its sessions, API key, Basic and OpenID links; the email is free again."""

from __future__ import annotations

import base64

from tests.pages.organizations import create_organization, refresh_token_for
from tests.session.conftest import CHEAP_ARGON2

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


ALICE = "/api/organization/acme/user/alice"


async def handoff_session(system, api, org: dict) -> str:
    """Alice signs in the way her platform sends her: provisioned (without a password), a refresh token, a session."""
    token = (await refresh_token_for(api, system, org, "alice", email="alice@acme.example"))["refreshToken"]
    async with api.post(system.gateway + "/api/auth/refresh-token", json={"refreshToken": token}) as response:
        return (await response.json())["sessionToken"]


async def test_a_user_provisioned_by_an_organization_is_deleted_by_it_unless_it_lets_them(start_system, mailbox, make_person, api, db):
    system = await start_system(SMTP_URL=mailbox.smtp_url, **CHEAP_ARGON2)
    gateway = system.gateway
    org = await create_organization(system, "acme", None)
    sesskey = await handoff_session(system, api, org)
    async with api.delete(gateway + ME, json={"password": "anything"}, headers=bearer(sesskey)) as response:
        assert (await account_error(response))[:2] == (403, "managed_by_organization")

    # An admin of the organization, signed in with a password, turns the setting on in its settings.
    _boss, boss_sesskey = await make_person(system, "boss@acme.example", org_id=org["id"], role="ADMIN")
    settings = gateway + "/api/organization/acme/settings"
    async with api.patch(settings, json={"usersMayDeleteThemselves": "yes"}, headers=bearer(boss_sesskey)) as response:
        assert response.status == 400 and set((await response.json(content_type=None))["fields"]) == {"usersMayDeleteThemselves"}
    async with api.patch(settings, json={"usersMayDeleteThemselves": True}, headers=bearer(boss_sesskey)) as response:
        assert response.status == 200 and (await response.json())["usersMayDeleteThemselves"] is True

    # Alice was provisioned without a password: she is told to choose one first, and nothing is deleted.
    async with api.delete(gateway + ME, json={"password": "anything"}, headers=bearer(sesskey)) as response:
        status, code, fields = await account_error(response)
        assert (status, code) == (400, "validation_failed") and "Forgot password" in fields["password"]
    async with api.post(gateway + "/api/1/auth/password-reset", json={"email": "alice@acme.example"}) as response:
        assert response.status == 202
    mail = await mailbox.wait_for("alice@acme.example", subject="reset")
    async with api.post(gateway + "/api/1/auth/password-reset/confirm", json={"token": mail.token, "newPassword": PASSWORD}) as response:
        assert response.status == 200
    sesskey = await handoff_session(system, api, org)  # the reset ended her sessions

    async with api.delete(gateway + ME, json={"password": PASSWORD}, headers=bearer(sesskey)) as response:
        assert response.status == 200 and (await response.json())["data"] == {"deleted": True}
    async with api.get(gateway + ME, headers=bearer(sesskey)) as response:
        assert response.status == 401
    async with api.get(gateway + ALICE, headers={"x-org-id": "acme", "x-api-key": org["apiKey"]}) as response:
        assert response.status == 404  # gone from the organization's directory too
    assert await db.fetchval("SELECT count(*) FROM session.users WHERE user_name = 'alice'") == 0


async def test_turning_the_setting_off_applies_at_once(start_system, make_person, api):
    system = await start_system(**CHEAP_ARGON2)
    org = await create_organization(system, "acme", None)
    _boss, boss_sesskey = await make_person(system, "boss@acme.example", org_id=org["id"], role="ADMIN")
    settings = system.gateway + "/api/organization/acme/settings"
    sesskey = await handoff_session(system, api, org)
    for allowed in (True, False):
        async with api.patch(settings, json={"usersMayDeleteThemselves": allowed}, headers=bearer(boss_sesskey)) as response:
            assert response.status == 200
    async with api.delete(system.gateway + ME, json={"password": "anything"}, headers=bearer(sesskey)) as response:
        assert (await account_error(response))[:2] == (403, "managed_by_organization")


async def test_with_org_provisioning_down_a_provisioned_user_is_told_to_try_later(start_system, api, db):
    system = await start_system(**CHEAP_ARGON2)
    sesskey = await handoff_session(system, api, await create_organization(system, "acme", None))
    org_runner = next(runner for runner in system.runners if runner.app is system.apps["org-provisioning"])
    await org_runner.cleanup()
    system.runners.remove(org_runner)
    async with api.delete(system.gateway + ME, json={"password": "anything"}, headers=bearer(sesskey)) as response:
        assert response.status == 503 and "Retry-After" in response.headers
        assert (await response.json())["error"]["code"] == "service_unavailable"
    assert await db.fetchval("SELECT count(*) FROM session.users WHERE user_name = 'alice'") == 1


async def test_with_oidc_link_down_nothing_is_deleted_and_the_answer_says_try_later(start_system, make_person, http, db):
    system = await start_system(("session", "org-provisioning", "gateway"), **CHEAP_ARGON2)  # no oidc-link
    userid, sesskey = await make_person(system)
    async with http.delete(system.gateway + ME, json={"password": PASSWORD}, headers=bearer(sesskey)) as response:
        assert response.status == 503 and "Retry-After" in response.headers
    async with http.get(system.gateway + ME, headers=bearer(sesskey)) as response:
        assert response.status == 200
    assert await db.fetchval("SELECT count(*) FROM session.users WHERE userid = $1", userid) == 1
