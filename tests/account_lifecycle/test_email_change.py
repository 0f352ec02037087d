"""POST /api/1/users/me/email: the email changes only when the link mailed to the new address is followed."""

from __future__ import annotations

import base64

import pytest

from tests.session.conftest import CHEAP_ARGON2

from .conftest import PASSWORD, account_error, bearer

CHANGE = "/api/1/users/me/email"
CONFIRM = "/api/1/auth/email-change/confirm"


def basic(email: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{PASSWORD}".encode()).decode()}


@pytest.fixture
async def mail_system(mailbox, start_system):
    return await start_system(SMTP_URL=mailbox.smtp_url, **CHEAP_ARGON2)


async def login(api, system, email: str) -> str:
    async with api.post(system.gateway + "/api/1/auth/session", json={"email": email, "password": PASSWORD}) as response:
        assert response.status == 200
        return (await response.json())["data"]["sesskey"]


async def test_the_email_changes_when_the_link_is_followed_and_everything_else_ends(mail_system, make_person, api, mailbox):
    gateway = mail_system.gateway
    _userid, current = await make_person(mail_system)
    other = await login(api, mail_system, "ada@example.com")
    async with api.get(gateway + "/api/1/users/me", headers=basic("ada@example.com")) as response:
        assert response.status == 200  # Basic with the old email, cached at the gateway

    async with api.post(gateway + CHANGE, json={"newEmail": "ada@lovelace.example", "password": PASSWORD}, headers=bearer(current)) as response:
        assert response.status == 202
    confirm = await mailbox.wait_for("ada@lovelace.example", subject="confirm your new email")
    notice = await mailbox.wait_for("ada@example.com", subject="about to change")
    assert "ada@lovelace.example" in notice.text and "token=" not in notice.text
    # Nothing has changed yet.
    async with api.get(gateway + "/api/1/users/me", headers=basic("ada@example.com")) as response:
        assert response.status == 200 and (await response.json())["data"]["email"] == "ada@example.com"

    async with api.post(gateway + CONFIRM, json={"token": confirm.token}) as response:
        assert (response.status, (await response.json())["data"]) == (200, {"email": "ada@lovelace.example"})
    async with api.get(gateway + "/api/1/users/me", headers=basic("ada@example.com")) as response:
        assert response.status == 401  # at once: the old email's cached Basic is gone
    async with api.get(gateway + "/api/1/users/me", headers=basic("ada@lovelace.example")) as response:
        assert response.status == 200
    async with api.get(gateway + "/api/1/users/me", headers=bearer(other)) as response:
        assert response.status == 401  # other sessions end
    async with api.get(gateway + "/api/1/users/me", headers=bearer(current)) as response:
        assert (await response.json())["data"]["email"] == "ada@lovelace.example"  # the one that asked stays
    async with api.post(gateway + CONFIRM, json={"token": confirm.token}) as response:
        assert (await account_error(response))[:2] == (400, "invalid_email_change_token")  # single use


async def test_asking_needs_the_password_and_a_good_new_address(mail_system, make_person, api):
    _userid, sesskey = await make_person(mail_system)
    url = mail_system.gateway + CHANGE
    cases = [
        ({"newEmail": "ada@lovelace.example", "password": "wrong"}, {"password"}),
        ({"newEmail": "not an email", "password": PASSWORD}, {"newEmail"}),
        ({"newEmail": "ADA@example.com", "password": PASSWORD}, {"newEmail"}),
    ]
    for body, fields in cases:
        async with api.post(url, json=body, headers=bearer(sesskey)) as response:
            status, code, named = await account_error(response)
            assert (status, code, set(named)) == (400, "validation_failed", fields), body


async def test_a_taken_address_gets_the_same_answer_and_a_link_that_cannot_take_it(mail_system, make_person, api, mailbox):
    _userid, sesskey = await make_person(mail_system)
    await make_person(mail_system, "grace@example.com")
    async with api.post(mail_system.gateway + CHANGE, json={"newEmail": "grace@example.com", "password": PASSWORD}, headers=bearer(sesskey)) as response:
        assert response.status == 202
    confirm = await mailbox.wait_for("grace@example.com", subject="confirm your new email")
    async with api.post(mail_system.gateway + CONFIRM, json={"token": confirm.token}) as response:
        assert (await account_error(response))[:2] == (400, "invalid_email_change_token")
    async with api.get(mail_system.gateway + "/api/1/users/me", headers=bearer(sesskey)) as response:
        assert (await response.json())["data"]["email"] == "ada@example.com"


async def test_api_keys_cannot_change_the_email(mail_system, make_person, api):
    _userid, sesskey = await make_person(mail_system)
    async with api.get(mail_system.gateway + "/api/1/users/me/apikey", headers=bearer(sesskey)) as response:
        apikey = (await response.json())["data"]["apikey"]
    body = {"newEmail": "ada@lovelace.example", "password": PASSWORD}
    async with api.post(mail_system.gateway + CHANGE, json=body, headers={"X-API-Key": apikey}) as response:
        assert (await account_error(response))[:2] == (403, "forbidden_auth_method")
