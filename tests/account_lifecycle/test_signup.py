"""POST /api/1/users: sign-up through the gateway, on real PostgreSQL, Redis and the SMTP catcher."""

from __future__ import annotations

import statistics
import time

import pytest

from tests.session.conftest import CHEAP_ARGON2

from .conftest import PASSWORD, account_error

SIGNUP = "/api/1/users"


@pytest.fixture
async def open_system(mailbox, start_system):
    return await start_system(SMTP_URL=mailbox.smtp_url, SIGNUP_ENABLED="true", **CHEAP_ARGON2)


async def sign_up(api, system, email="grace@example.com", password=PASSWORD, name="Grace"):
    async with api.post(system.gateway + SIGNUP, json={"email": email, "password": password, "name": name}) as response:
        return response.status, await response.json()


async def test_sign_up_is_off_unless_the_operator_turns_it_on(start_system, api):
    system = await start_system(**CHEAP_ARGON2)
    status, body = await sign_up(api, system)
    assert (status, body["error"]["code"]) == (404, "signup_disabled")


async def test_a_new_user_signs_up_and_signs_in_with_no_organization_and_role_user(open_system, api, mailbox):
    status, body = await sign_up(api, open_system)
    assert (status, body) == (202, {"success": True, "data": {"verificationRequired": False}})
    async with api.post(open_system.gateway + "/api/1/auth/session", json={"email": "grace@example.com", "password": PASSWORD}) as response:
        login = (await response.json())["data"]
    assert (login["name"], login["role"], login["partnerid"]) == ("Grace", "USER", 0)
    mail = await mailbox.wait_for("grace@example.com", subject="confirm your email")
    assert "/verify-email?token=" in mail.link


async def test_with_verified_email_required_the_link_comes_before_the_first_sign_in(mailbox, start_system, api):
    system = await start_system(SMTP_URL=mailbox.smtp_url, SIGNUP_ENABLED="true", REQUIRE_VERIFIED_EMAIL="true", **CHEAP_ARGON2)
    status, body = await sign_up(api, system)
    assert status == 202 and body["data"]["verificationRequired"] is True
    credentials = {"email": "grace@example.com", "password": PASSWORD}
    async with api.post(system.gateway + "/api/1/auth/session", json=credentials) as response:
        assert (await account_error(response))[:2] == (403, "email_not_verified")
    mail = await mailbox.wait_for("grace@example.com", subject="confirm your email")
    async with api.post(system.gateway + "/api/1/auth/email-verification/confirm", json={"token": mail.token}) as response:
        assert response.status == 200
    async with api.post(system.gateway + "/api/1/auth/session", json=credentials) as response:
        assert response.status == 200


async def test_a_taken_email_gets_the_same_answer_and_a_mail_to_its_owner_never_a_second_account(open_system, api, mailbox, db):
    assert (await sign_up(api, open_system, name="Grace"))[0] == 202
    again = await sign_up(api, open_system, email="GRACE@example.com", password="another passphrase", name="Mallory")
    assert again == (202, {"success": True, "data": {"verificationRequired": False}})
    notice = await mailbox.wait_for("GRACE@example.com", subject="tried to create an account")
    assert "/forgot-password" in notice.text and "token=" not in notice.text
    assert await db.fetchval("SELECT count(*) FROM session.users WHERE lower(email) = 'grace@example.com'") == 1
    async with api.post(open_system.gateway + "/api/1/auth/session", json={"email": "grace@example.com", "password": "another passphrase"}) as response:
        assert response.status == 401  # the second password opened nothing


async def test_a_taken_email_costs_as_much_as_a_new_one(mailbox, start_system, api):
    # Real argon2 cost, so the hash dominates as in production.
    system = await start_system(SMTP_URL=mailbox.smtp_url, SIGNUP_ENABLED="true", MAIL_MAX_PER_ADDRESS="100", MAIL_MAX_PER_EMAIL="100")
    await sign_up(api, system, email="taken@example.com")
    new, taken = [], []
    for round_ in range(6):
        for email, times in ((f"new{round_}@example.com", new), ("taken@example.com", taken)):
            started = time.perf_counter()
            status, _ = await sign_up(api, system, email=email)
            times.append(time.perf_counter() - started)
            assert status == 202
    # Generous on a shared machine: a taken address must not answer in a fraction of the time.
    assert statistics.median(taken) > 0.5 * statistics.median(new)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, {"email"}),
        ({"email": "a@example.com", "password": "short"}, {"password"}),
        ({"email": "a@example.com", "password": PASSWORD, "name": " "}, {"name"}),
        ({}, {"email", "password"}),
    ],
)
async def test_bad_sign_ups_name_each_field(open_system, api, body, fields):
    async with api.post(open_system.gateway + SIGNUP, json=body) as response:
        status, code, named = await account_error(response)
    assert (status, code, set(named)) == (400, "validation_failed", fields)


async def test_sign_ups_are_limited_per_email_and_per_address(mailbox, start_system, api):
    system = await start_system(SMTP_URL=mailbox.smtp_url, SIGNUP_ENABLED="true", MAIL_MAX_PER_EMAIL="2", MAIL_MAX_PER_ADDRESS="3", **CHEAP_ARGON2)
    assert [(await sign_up(api, system, email="x@example.com"))[0] for _ in range(3)] == [202, 202, 429]
    assert [(await sign_up(api, system, email=f"y{i}@example.com"))[0] for i in range(2)] == [202, 429]  # the address's third and fourth
    async with api.post(system.gateway + SIGNUP, json={"email": "z@example.com", "password": PASSWORD}) as response:
        assert response.status == 429 and int(response.headers["Retry-After"]) > 0
