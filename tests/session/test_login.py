"""POST /api/1/auth/session: the envelope, the cookie, equal failures, lockout."""

from __future__ import annotations

import asyncio
import statistics
import time

from tests.session.conftest import CHEAP_ARGON2, PASSWORD, login

INVALID = {"success": False, "error": {"code": "invalid_credentials", "message": "The credentials are not valid."}}


async def post_login(http, system, *, data=None, json=None, headers=None, path="/api/1/auth/session"):
    async with http.post(system.urls["session"] + path, data=data, json=json, headers=headers) as response:
        return response.status, await response.json(), response


async def test_json_login_answers_the_account_envelope_with_integer_ids(session_system, http, make_user):
    await make_user(session_system, role="")
    status, body, _ = await post_login(http, session_system, json={"email": "ada@example.com", "password": PASSWORD})
    assert status == 200
    assert body["success"] is True
    data = body["data"]
    assert set(data) == {"sesskey", "userid", "email", "name", "role", "partnerid"}
    assert data["userid"] == 1 and data["partnerid"] == 1
    assert (data["email"], data["name"], data["role"]) == ("ada@example.com", "Ada", "")
    assert len(data["sesskey"]) == 26


async def test_form_encoded_login_works_like_json_as_jquery_posts_it(session_system, http, make_user):
    await make_user(session_system)
    status, body, _ = await post_login(http, session_system, data={"email": "ada@example.com", "password": PASSWORD})
    assert status == 200 and body["data"]["userid"] == 1


async def test_login_email_is_case_insensitive(session_system, http, make_user):
    await make_user(session_system)
    status, _, _ = await post_login(http, session_system, json={"email": "ADA@Example.com", "password": PASSWORD})
    assert status == 200


async def test_login_sets_an_httponly_lax_cookie_not_secure_on_http(session_system, http, make_user):
    await make_user(session_system)
    status, body, response = await post_login(http, session_system, json={"email": "ada@example.com", "password": PASSWORD})
    cookie = response.cookies["sesskey"]
    assert cookie.value == body["data"]["sesskey"]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert not cookie["secure"]


async def test_cookie_is_secure_when_the_public_url_is_https(start_system, http, make_user):
    system = await start_system(("session",), PUBLIC_URL="https://auth.example.com", **CHEAP_ARGON2)
    await make_user(system)
    _, _, response = await post_login(http, system, json={"email": "ada@example.com", "password": PASSWORD})
    assert response.cookies["sesskey"]["secure"] is True


async def test_login_accepts_a_trailing_slash(session_system, http, make_user):
    await make_user(session_system)
    status, _, _ = await post_login(http, session_system, json={"email": "ada@example.com", "password": PASSWORD}, path="/api/1/auth/session/")
    assert status == 200


async def test_every_login_issues_a_new_sesskey(session_system, http, make_user):
    await make_user(session_system)
    keys = {(await login(http, session_system))["data"]["sesskey"] for _ in range(3)}
    assert len(keys) == 3


async def test_unknown_email_and_wrong_password_get_the_same_401(session_system, http, make_user):
    await make_user(session_system)
    wrong = await post_login(http, session_system, json={"email": "ada@example.com", "password": "not the password"})
    unknown = await post_login(http, session_system, json={"email": "nobody@example.com", "password": PASSWORD})
    assert wrong[0] == unknown[0] == 401
    assert wrong[1] == unknown[1] == INVALID


async def test_unknown_email_costs_as_much_as_a_wrong_password(start_system, http, make_user):
    # The real OWASP parameters: what is measured is the argon2 cost itself.
    system = await start_system(("session",), LOGIN_MAX_FAILURES="50", LOGIN_MAX_FAILURES_PER_ADDRESS="50")
    await make_user(system)

    async def timed(email: str) -> float:
        started = time.perf_counter()
        status, _, _ = await post_login(http, system, json={"email": email, "password": "wrong password"})
        assert status == 401
        return time.perf_counter() - started

    wrong, unknown = [], []
    for i in range(7):  # interleaved, so load on the machine hits both alike
        wrong.append(await timed("ada@example.com"))
        unknown.append(await timed(f"nobody{i}@example.com"))
    wrong_median, unknown_median = statistics.median(wrong), statistics.median(unknown)
    assert wrong_median > 0.005 and unknown_median > 0.005  # both paid for an argon2id verification
    assert 0.5 < unknown_median / wrong_median < 2


async def test_a_disabled_user_cannot_log_in(session_system, http, make_user):
    from session import operator
    from session.settings import Settings

    await make_user(session_system)
    await operator.set_disabled(Settings.from_env(session_system.env), email="ada@example.com", disabled=True)
    status, body, _ = await post_login(http, session_system, json={"email": "ada@example.com", "password": PASSWORD})
    assert (status, body) == (401, INVALID)


async def test_missing_fields_are_named_in_a_validation_error(session_system, http):
    status, body, _ = await post_login(http, session_system, json={"email": "ada@example.com"})
    assert status == 400 and body["error"]["code"] == "validation_failed"
    assert body["error"]["fields"] == {"password": "is required"}
    status, body, _ = await post_login(http, session_system, json={"email": 3, "password": ["x"]})
    assert set(body["error"]["fields"]) == {"email", "password"}


async def test_bad_bodies_get_clear_errors_not_500(session_system, http):
    url = session_system.urls["session"] + "/api/1/auth/session"
    async with http.post(url, data=b"{not json", headers={"Content-Type": "application/json"}) as response:
        assert response.status == 400 and (await response.json())["error"]["code"] == "validation_failed"
    async with http.post(url, data=b"[1, 2]", headers={"Content-Type": "application/json"}) as response:
        assert response.status == 400
    async with http.post(url, data=b"<xml/>", headers={"Content-Type": "application/xml"}) as response:
        assert response.status == 415 and (await response.json())["success"] is False


async def test_repeated_failures_lock_the_email_even_for_the_right_password(start_system, http, make_user):
    system = await start_system(("session",), LOGIN_MAX_FAILURES="3", LOGIN_LOCKOUT_SECONDS="60", **CHEAP_ARGON2)
    await make_user(system)
    for _ in range(3):
        status, _, _ = await post_login(http, system, json={"email": "ada@example.com", "password": "wrong password"})
        assert status == 401
    status, body, response = await post_login(http, system, json={"email": "ada@example.com", "password": PASSWORD})
    assert status == 429 and body["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


async def test_repeated_failures_from_one_address_lock_that_address(start_system, http, make_user):
    system = await start_system(("session",), LOGIN_MAX_FAILURES_PER_ADDRESS="3", **CHEAP_ARGON2)
    await make_user(system)
    attacker, other = {"X-Real-IP": "203.0.113.9"}, {"X-Real-IP": "198.51.100.7"}
    for i in range(3):
        await post_login(http, system, json={"email": f"guess{i}@example.com", "password": "x" * 8}, headers=attacker)
    status, _, response = await post_login(http, system, json={"email": "ada@example.com", "password": PASSWORD}, headers=attacker)
    assert status == 429 and "Retry-After" in response.headers
    status, _, _ = await post_login(http, system, json={"email": "ada@example.com", "password": PASSWORD}, headers=other)
    assert status == 200


async def test_a_locked_shared_address_still_signs_in_the_accounts_that_use_it(start_system, http, make_user):
    # One office NAT: somebody behind it guesses at many accounts; the people who work there still sign in.
    system = await start_system(("session",), LOGIN_MAX_FAILURES="3", LOGIN_MAX_FAILURES_PER_ADDRESS="3", **CHEAP_ARGON2)
    await make_user(system)
    office = {"X-Real-IP": "203.0.113.9"}
    await login(http, system, headers=office)  # ada signs in from the office as every day
    for i in range(10):
        await post_login(http, system, json={"email": f"guess{i}@example.com", "password": "x" * 8}, headers=office)
    status, body, _ = await post_login(http, system, json={"email": "ada@example.com", "password": PASSWORD}, headers=office)
    assert status == 200, body
    # ada's own account still has its own lockout from there.
    for _ in range(3):
        await post_login(http, system, json={"email": "ada@example.com", "password": "wrong password"}, headers=office)
    assert (await post_login(http, system, json={"email": "ada@example.com", "password": PASSWORD}, headers=office))[0] == 429


async def test_the_lock_ends_after_the_lockout_period(start_system, http, make_user):
    system = await start_system(("session",), LOGIN_MAX_FAILURES="2", LOGIN_LOCKOUT_SECONDS="1", **CHEAP_ARGON2)
    await make_user(system)
    for _ in range(2):
        await post_login(http, system, json={"email": "ada@example.com", "password": "wrong password"})
    assert (await post_login(http, system, json={"email": "ada@example.com", "password": PASSWORD}))[0] == 429
    await asyncio.sleep(1.1)
    assert (await post_login(http, system, json={"email": "ada@example.com", "password": PASSWORD}))[0] == 200


async def test_a_successful_login_clears_the_email_failures(start_system, http, make_user):
    system = await start_system(("session",), LOGIN_MAX_FAILURES="3", **CHEAP_ARGON2)
    await make_user(system)
    for _ in range(2):
        await post_login(http, system, json={"email": "ada@example.com", "password": "wrong password"})
    await login(http, system)
    for _ in range(2):
        status, _, _ = await post_login(http, system, json={"email": "ada@example.com", "password": "wrong password"})
        assert status == 401


async def test_login_rehashes_a_password_made_with_older_parameters(start_system, http, make_user, db):
    system = await start_system(("session",), **CHEAP_ARGON2)
    await make_user(system)
    stronger = await start_system(("session",), ARGON2_TIME_COST="2", ARGON2_MEMORY_KIB="2048")
    await login(http, stronger)
    password_hash = await db.fetchval("SELECT password_hash FROM session.users WHERE userid = 1")
    assert password_hash.startswith("$argon2id$") and "m=2048,t=2" in password_hash
    await login(http, stronger)  # the new hash verifies the same password


async def test_an_unreachable_redis_is_503_with_retry_after_not_500(start_system, http, make_user):
    from latchkey_cli.embedded import free_port

    system = await start_system(("session",), REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", **CHEAP_ARGON2)
    await make_user(system)
    status, body, response = await post_login(http, system, json={"email": "ada@example.com", "password": PASSWORD})
    assert status == 503 and body["error"]["code"] == "service_unavailable"
    assert response.headers["Retry-After"]
