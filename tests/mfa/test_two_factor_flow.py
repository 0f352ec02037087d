"""Two-factor sign-in (SPEC.md §8) through the gateway, with real codes from pyotp.

Enrol, confirm, sign in with the second step, and every refusal a user or an
attacker meets: a wrong code, a replayed code, a used recovery code, an
expired or raced mfaToken, Basic, and the lockout that second steps share.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pyotp
import pytest

from session import operator as session_operator
from session.settings import Settings as SessionSettings
from tests.gateway.support import basic

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery staple"
CHEAP = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024"}


@pytest.fixture
async def http():
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield session


async def call(http, method, url, *, sesskey=None, status=200, **kwargs):
    headers = kwargs.pop("headers", {})
    if sesskey:
        headers["Authorization"] = "Bearer " + sesskey
    async with http.request(method, url, headers=headers, **kwargs) as response:
        body = await response.json()
        assert response.status == status, body
        return body


async def password_login(http, gateway, *, status=200, password=PASSWORD):
    return await call(http, "POST", gateway + "/api/1/auth/session", json={"email": EMAIL, "password": password}, status=status)


async def second_step(http, gateway, token, code, *, status=200):
    return await call(http, "POST", gateway + "/api/1/auth/session/mfa", json={"mfaToken": token, "code": code}, status=status)


def later_code(totp: pyotp.TOTP) -> str:
    """The code of the next 30-second step: always after any step already spent, and within the drift allowed."""
    return totp.at(time.time() + 30)


async def enrolled_user(system, http) -> tuple[pyotp.TOTP, list[str], str]:
    """A user with an authenticator app set up; returns (its TOTP, the recovery codes, a pre-enrolment sesskey)."""
    await session_operator.create_user(SessionSettings.from_env(system.env), email=EMAIL, password=PASSWORD, org_id=None, role="", name="Ada")
    sesskey = (await password_login(http, system.gateway))["data"]["sesskey"]
    enrolment = (await call(http, "POST", system.gateway + "/api/1/users/me/mfa/totp", sesskey=sesskey))["data"]
    totp = pyotp.TOTP(enrolment["secret"])
    confirm = system.gateway + "/api/1/users/me/mfa/totp/confirm"
    confirmed = await call(http, "POST", confirm, sesskey=sesskey, json={"code": totp.now()})
    return totp, confirmed["data"]["recoveryCodes"], sesskey


async def test_enrolment_shows_a_qr_code_and_is_active_only_once_a_code_confirms_it(start_system, http):
    system = await start_system(**CHEAP)
    await session_operator.create_user(SessionSettings.from_env(system.env), email=EMAIL, password=PASSWORD, org_id=None, role="", name="Ada")
    sesskey = (await password_login(http, system.gateway))["data"]["sesskey"]
    enrolment = (await call(http, "POST", system.gateway + "/api/1/users/me/mfa/totp", sesskey=sesskey))["data"]
    assert enrolment["otpauthUri"].startswith("otpauth://totp/Latchkey:ada%40example.com?secret=" + enrolment["secret"])
    assert enrolment["qrSvg"].startswith("<svg") and "<script" not in enrolment["qrSvg"]

    # Not active yet: the password alone still signs in, and a wrong code does not confirm.
    assert (await password_login(http, system.gateway))["data"]["sesskey"]
    confirm = system.gateway + "/api/1/users/me/mfa/totp/confirm"
    wrong = await call(http, "POST", confirm, sesskey=sesskey, json={"code": "000000"}, status=400)
    assert wrong["error"]["code"] == "validation_failed" and "code" in wrong["error"]["fields"]
    codes = (await call(http, "POST", confirm, sesskey=sesskey, json={"code": pyotp.TOTP(enrolment["secret"]).now()}))["data"]
    assert len(codes["recoveryCodes"]) == 10 and len(set(codes["recoveryCodes"])) == 10
    status = (await call(http, "GET", system.gateway + "/api/1/users/me/mfa", sesskey=sesskey))["data"]
    assert status == {"totp": {"enabled": True, "pending": False, "recoveryCodesLeft": 10}}
    again = await call(http, "POST", system.gateway + "/api/1/users/me/mfa/totp", sesskey=sesskey, status=409)
    assert again["error"]["code"] == "mfa_already_enabled"
    # Stored sealed and hashed: neither the secret nor a recovery code is in the database as written.
    async with system.apps["session"][__import__("latchkey").storage.PG_POOL].acquire() as conn:
        stored = await conn.fetchval("SELECT secret_sealed FROM session.totp_factors")
        hashes = await conn.fetchval("SELECT string_agg(code_hash, ',') FROM session.recovery_codes")
    assert enrolment["secret"] not in stored and all(code not in hashes for code in codes["recoveryCodes"])


async def test_password_then_code_signs_in_and_each_code_works_once(start_system, http):
    system = await start_system(**CHEAP)
    totp, recovery, _ = await enrolled_user(system, http)

    refused = await password_login(http, system.gateway, status=401)
    assert refused["error"]["code"] == "mfa_required"
    token = refused["error"]["mfaToken"]
    wrong = await second_step(http, system.gateway, token, "123456" if later_code(totp) != "123456" else "654321", status=401)
    assert wrong["error"]["code"] == "invalid_mfa_code"
    code = later_code(totp)
    async with http.post(system.gateway + "/api/1/auth/session/mfa", json={"mfaToken": token, "code": code}) as response:
        signed_in = await response.json()  # the same token survives a typo
        assert response.status == 200, signed_in
        assert response.cookies["sesskey"].value == signed_in["data"]["sesskey"]  # exactly like a login: the cookie too
    assert set(signed_in["data"]) == {"sesskey", "userid", "email", "name", "role", "partnerid"}
    current = await call(http, "GET", system.gateway + "/api/1/auth/session", sesskey=signed_in["data"]["sesskey"])
    assert current["data"]["methods"] == ["pwd", "otp"]
    spent = await second_step(http, system.gateway, token, code, status=401)
    assert spent["error"]["code"] == "invalid_mfa_token"  # the token was spent

    replay_token = (await password_login(http, system.gateway, status=401))["error"]["mfaToken"]
    replayed = await second_step(http, system.gateway, replay_token, code, status=401)
    assert replayed["error"]["code"] == "invalid_mfa_code" and "already used" in replayed["error"]["message"]

    by_recovery = await second_step(http, system.gateway, replay_token, recovery[0].upper().replace("-", " "))
    assert by_recovery["data"]["sesskey"]
    reuse_token = (await password_login(http, system.gateway, status=401))["error"]["mfaToken"]
    reused = await second_step(http, system.gateway, reuse_token, recovery[0], status=401)
    assert reused["error"]["code"] == "invalid_mfa_code"
    status = (await call(http, "GET", system.gateway + "/api/1/users/me/mfa", sesskey=by_recovery["data"]["sesskey"]))["data"]
    assert status["totp"]["recoveryCodesLeft"] == 9


async def test_basic_is_refused_for_a_two_factor_user_and_the_api_key_still_works(start_system, http):
    system = await start_system(**CHEAP)
    _totp, _recovery, sesskey = await enrolled_user(system, http)
    refused = await call(http, "GET", system.gateway + "/api/1/users/me", headers={"Authorization": basic(EMAIL, PASSWORD)}, status=401)
    assert refused["error"]["code"] == "mfa_required" and "mfaToken" not in refused["error"]
    apikey = (await call(http, "GET", system.gateway + "/api/1/users/me/apikey", sesskey=sesskey))["data"]["apikey"]
    assert (await call(http, "GET", system.gateway + "/api/1/users/me", headers={"X-API-Key": apikey}))["data"]["email"] == EMAIL
    # Changing factors needs a session: not an API key.
    by_key = await call(http, "DELETE", system.gateway + "/api/1/users/me/mfa/totp", headers={"X-API-Key": apikey},
                        json={"password": PASSWORD, "code": "000000"}, status=403)
    assert by_key["error"]["code"] == "forbidden_auth_method"


async def test_an_mfa_token_expires_and_a_raced_one_opens_one_session(start_system, http):
    system = await start_system(MFA_TOKEN_TTL="1", **CHEAP)
    totp, recovery, _ = await enrolled_user(system, http)
    token = (await password_login(http, system.gateway, status=401))["error"]["mfaToken"]
    await asyncio.sleep(1.5)
    expired = await second_step(http, system.gateway, token, later_code(totp), status=401)
    assert expired["error"]["code"] == "invalid_mfa_token"

    token = (await password_login(http, system.gateway, status=401))["error"]["mfaToken"]
    answers = await asyncio.gather(
        *(
            http.post(system.gateway + "/api/1/auth/session/mfa", json={"mfaToken": token, "code": code})
            for code in (later_code(totp), recovery[1], recovery[2])
        )
    )
    statuses = sorted(answer.status for answer in answers)
    for answer in answers:
        answer.release()
    assert statuses == [200, 401, 401]


async def test_wrong_second_steps_count_towards_the_lockout_and_a_right_password_does_not_forgive_them(start_system, http):
    system = await start_system(LOGIN_MAX_FAILURES="3", MFA_TOKEN_TTL="60", **CHEAP)
    totp, _recovery, _ = await enrolled_user(system, http)
    for _ in range(3):
        # A fresh right password each time: it must not reset the count of wrong codes.
        token = (await password_login(http, system.gateway, status=401))["error"]["mfaToken"]
        await second_step(http, system.gateway, token, "not-a-code", status=401)
    locked = await password_login(http, system.gateway, status=429)
    assert locked["error"]["code"] == "rate_limited"
    assert (await second_step(http, system.gateway, token, later_code(totp), status=429))["error"]["code"] == "rate_limited"


async def test_turning_two_factor_off_needs_the_password_and_a_code(start_system, http):
    system = await start_system(**CHEAP)
    totp, _recovery, sesskey = await enrolled_user(system, http)
    url = system.gateway + "/api/1/users/me/mfa/totp"
    wrong_password = await call(http, "DELETE", url, sesskey=sesskey, json={"password": "nope nope nope", "code": later_code(totp)}, status=400)
    assert set(wrong_password["error"]["fields"]) == {"password"}
    wrong_code = await call(http, "DELETE", url, sesskey=sesskey, json={"password": PASSWORD, "code": "000000"}, status=400)
    assert set(wrong_code["error"]["fields"]) == {"code"}
    await call(http, "DELETE", url, sesskey=sesskey, json={"password": PASSWORD, "code": later_code(totp)})
    assert (await password_login(http, system.gateway))["data"]["sesskey"]
    assert (await call(http, "GET", system.gateway + "/api/1/users/me", headers={"Authorization": basic(EMAIL, PASSWORD)}))["success"]


@pytest.mark.parametrize(("required", "status"), [("false", 201), ("true", 403)])
async def test_an_organization_handoff_or_oidc_sign_in_vouches_unless_configured_otherwise(start_system, http, required, status):
    from tests.session.conftest import service_auth

    system = await start_system(MFA_REQUIRED_FOR_HANDOFF=required, **CHEAP)
    _totp, _recovery, sesskey = await enrolled_user(system, http)
    userid = (await call(http, "GET", system.gateway + "/api/1/users/me", sesskey=sesskey))["data"]["userid"]
    async with http.post(
        system.urls["session"] + "/internal/sessions", headers=service_auth(system, "oidc-link"),
        json={"userId": userid, "amr": ["oidc"], "perms": ["oauth"]},
    ) as response:
        body = await response.json()
        assert response.status == status, body
    if status == 403:
        assert body["code"] == "mfa_required"


async def test_with_mfa_required_for_handoff_a_two_factor_user_is_told_to_use_the_password_and_code(start_system, http):
    from yarl import URL

    from tests.pages.organizations import create_organization, refresh_token_for

    system = await start_system(MFA_REQUIRED_FOR_HANDOFF="true", **CHEAP)
    org = await create_organization(system, "acme", None)
    token = (await refresh_token_for(http, system, org, "ada", name="Ada", email="ada@partner.example"))["refreshToken"]
    exchanged = await call(http, "POST", system.gateway + "/api/auth/refresh-token", json={"refreshToken": token})
    sesskey = exchanged["sessionToken"]  # no second factor yet: the handoff still opens a session
    enrolment = (await call(http, "POST", system.gateway + "/api/1/users/me/mfa/totp", sesskey=sesskey))["data"]
    code = pyotp.TOTP(enrolment["secret"]).now()
    await call(http, "POST", system.gateway + "/api/1/users/me/mfa/totp/confirm", sesskey=sesskey, json={"code": code})

    token = (await refresh_token_for(http, system, org, "ada"))["refreshToken"]
    async with http.get(URL(f"{system.gateway}/account?refresh-token={token}", encoded=True), allow_redirects=False) as response:
        assert response.status == 403 and "Set-Cookie" not in response.headers
        assert "This account uses two-factor sign-in: sign in with your password and code." in await response.text()


async def test_turning_two_factor_on_and_off_is_in_the_security_log(start_system, http):
    system = await start_system(**CHEAP)
    totp, _recovery, sesskey = await enrolled_user(system, http)
    await call(http, "DELETE", system.gateway + "/api/1/users/me/mfa/totp", sesskey=sesskey, json={"password": PASSWORD, "code": later_code(totp)})
    events = (await call(http, "GET", system.gateway + "/api/1/users/me/events", sesskey=sesskey))["data"]
    names = [event["event"] for event in events["events"]]
    assert names[:2] == ["mfa.totp_disabled", "mfa.totp_enabled"]


async def test_deleting_an_account_with_two_factor_needs_a_fresh_code_too(start_system, http, db):
    system = await start_system(**CHEAP)
    totp, _codes, sesskey = await enrolled_user(system, http)
    me = system.gateway + "/api/1/users/me"
    refused = await call(http, "DELETE", me, sesskey=sesskey, json={"password": PASSWORD}, status=400)
    assert refused["error"]["code"] == "validation_failed" and "code" in refused["error"]["fields"]
    wrong = await call(http, "DELETE", me, sesskey=sesskey, json={"password": PASSWORD, "code": "000000"}, status=400)
    assert "code" in wrong["error"]["fields"]
    assert await db.fetchval("SELECT count(*) FROM session.users WHERE email = $1", EMAIL) == 1  # nothing deleted yet

    await call(http, "DELETE", me, sesskey=sesskey, json={"password": PASSWORD, "code": later_code(totp)})
    assert await db.fetchval("SELECT count(*) FROM session.users WHERE email = $1", EMAIL) == 0
