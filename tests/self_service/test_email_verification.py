"""Email verification: the mail after creation, the link, the flag, and REQUIRE_VERIFIED_EMAIL."""

from __future__ import annotations

from tests.self_service.conftest import CHEAP_ARGON2, PASSWORD, basic, bearer, create_user, login

CONFIRM = "/api/1/auth/email-verification/confirm"
REQUEST = "/api/1/users/me/email/verification"


async def _me(api, system, headers) -> dict:
    async with api.get(system.gateway + "/api/1/users/me", headers=headers) as response:
        return await response.json()


async def test_a_new_user_is_mailed_a_link_that_verifies_the_email_once(mail_system, mailbox, api):
    await create_user(mail_system)  # as `latchkey user create` does
    mail = await mailbox.wait_for("ada@example.com", subject="confirm your email")
    assert mail.link.startswith(mail_system.gateway + "/verify-email?token=")
    key = await login(api, mail_system)
    assert (await _me(api, mail_system, bearer(key)))["data"]["emailVerified"] is False

    async with api.post(mail_system.gateway + CONFIRM, json={"token": mail.token}) as response:
        assert response.status == 200
        assert (await response.json())["data"] == {"email": "ada@example.com", "emailVerified": True}
    assert (await _me(api, mail_system, bearer(key)))["data"]["emailVerified"] is True
    async with api.post(mail_system.gateway + CONFIRM, json={"token": mail.token}) as response:
        assert response.status == 400 and (await response.json())["error"]["code"] == "invalid_verification_token"
    # Nothing more to verify: no new mail.
    async with api.post(mail_system.gateway + REQUEST, headers=bearer(key)) as response:
        assert response.status == 200 and (await response.json())["data"]["alreadyVerified"] is True


async def test_a_provisioned_user_with_an_email_gets_the_mail_too(mail_system, mailbox, api):
    from tests.pages.organizations import create_organization

    org = await create_organization(mail_system, "acme", None)
    headers = {"x-org-id": "acme", "x-api-key": org["apiKey"]}
    async with api.post(mail_system.gateway + "/api/organization/acme/user/alice/update", json={"email": "alice@acme.example"}, headers=headers) as response:
        assert response.status == 201
    await mailbox.wait_for("alice@acme.example", subject="confirm your email")
    # A new email is a new address to prove: the flag clears and a new link goes to it.
    async with api.post(mail_system.gateway + "/api/organization/acme/user/alice/update", json={"email": "alice@new.example"}, headers=headers) as response:
        assert response.status == 200
    await mailbox.wait_for("alice@new.example", subject="confirm your email")


async def test_required_verification_refuses_password_sign_in_until_verified(start_system, mailbox, api):
    system = await start_system(SMTP_URL=mailbox.smtp_url, REQUIRE_VERIFIED_EMAIL="true", **CHEAP_ARGON2)
    await create_user(system)
    first = await mailbox.wait_for("ada@example.com")
    async with api.post(system.gateway + "/api/1/auth/session", json={"email": "ada@example.com", "password": PASSWORD}) as response:
        body = await response.json()
        assert response.status == 403 and body["error"]["code"] == "email_not_verified", body
    async with api.get(system.gateway + "/api/1/users/me", headers=basic("ada@example.com", PASSWORD)) as response:
        assert response.status in (401, 403)
    async with api.post(system.gateway + "/api/1/auth/session", json={"email": "ada@example.com", "password": "wrong password!"}) as response:
        assert response.status == 401  # a wrong password learns nothing about verification

    async with api.post(system.gateway + CONFIRM, json={"token": first.token}) as response:
        assert response.status == 200
    await login(api, system)
