"""The login lockout cannot be out-run or side-stepped.

Guesses sent all at once must not each pass the check before any failure is
counted, and every path to a password check (the public login, the gateway's
Basic check) counts towards the same limits.
"""

from __future__ import annotations

import asyncio

from tests.session.conftest import CHEAP_ARGON2, PASSWORD, service_auth

GUESSES = 30


async def _post(http, url, body, headers=None):
    async with http.post(url, json=body, headers=headers or {}) as response:
        return response.status


async def test_concurrent_wrong_passwords_get_at_most_the_allowed_guesses(start_system, http, make_user):
    system = await start_system(("session",), LOGIN_MAX_FAILURES="3", LOGIN_LOCKOUT_SECONDS="60", **CHEAP_ARGON2)
    await make_user(system)
    url = system.urls["session"] + "/api/1/auth/session"
    guesses = [{"email": "ada@example.com", "password": f"wrong password {i}"} for i in range(GUESSES)]
    statuses = await asyncio.gather(*(_post(http, url, body) for body in guesses))
    assert statuses.count(401) <= 3, statuses
    assert set(statuses) <= {401, 429}


async def test_concurrent_guesses_from_one_address_get_at_most_the_allowed_guesses(start_system, http, make_user):
    system = await start_system(("session",), LOGIN_MAX_FAILURES_PER_ADDRESS="3", LOGIN_LOCKOUT_SECONDS="60", **CHEAP_ARGON2)
    url = system.urls["session"] + "/api/1/auth/session"
    attacker = {"X-Real-IP": "203.0.113.9"}
    guesses = [{"email": f"guess{i}@example.com", "password": "x" * 8} for i in range(GUESSES)]
    statuses = await asyncio.gather(*(_post(http, url, body, attacker) for body in guesses))
    # Every answer is a refusal or the lock (a 500 for each would otherwise pass), and the lock did its work.
    assert set(statuses) <= {401, 429} and statuses.count(429) >= GUESSES - 3, statuses


async def test_concurrent_basic_checks_get_at_most_the_allowed_guesses(start_system, http, make_user):
    system = await start_system(("session",), LOGIN_MAX_FAILURES="3", LOGIN_LOCKOUT_SECONDS="60", **CHEAP_ARGON2)
    await make_user(system)
    url = system.urls["session"] + "/internal/auth/password"
    headers = service_auth(system, "gateway")
    guesses = [{"email": "ada@example.com", "password": f"wrong password {i}"} for i in range(GUESSES)]
    statuses = await asyncio.gather(*(_post(http, url, body, headers) for body in guesses))
    assert set(statuses) <= {401, 429} and statuses.count(429) >= GUESSES - 3, statuses
    assert await _post(http, url, {"email": "ada@example.com", "password": PASSWORD}, headers) == 429


async def test_basic_checks_count_towards_the_client_address_the_gateway_names(start_system, http, make_user):
    # Password spraying (one guess per email) over Basic must meet the per-address limit too.
    system = await start_system(("session",), LOGIN_MAX_FAILURES_PER_ADDRESS="3", LOGIN_LOCKOUT_SECONDS="60", **CHEAP_ARGON2)
    await make_user(system)
    url = system.urls["session"] + "/internal/auth/password"
    headers = service_auth(system, "gateway")
    for i in range(3):
        body = {"email": f"guess{i}@example.com", "password": "x" * 8, "client": {"address": "203.0.113.9"}}
        assert await _post(http, url, body, headers) == 401
    assert await _post(http, url, {"email": "ada@example.com", "password": PASSWORD, "client": {"address": "203.0.113.9"}}, headers) == 429
    assert await _post(http, url, {"email": "ada@example.com", "password": PASSWORD, "client": {"address": "198.51.100.7"}}, headers) == 200
