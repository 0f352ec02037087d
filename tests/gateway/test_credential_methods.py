"""Every credential of SPEC §1 through the gateway to the real services."""

from __future__ import annotations

import asyncio

import pytest

from .support import basic, create_account

ME = "/api/1/users/me"


@pytest.fixture
async def account(system, http):
    return await create_account(system, http)


async def test_every_method_reaches_users_me_as_the_same_user(system, http, account):
    g = system.gateway
    requests = {
        "cookie": dict(headers={"Cookie": "sesskey=" + account.sesskey}),
        "sesskey in query": dict(params={"sesskey": account.sesskey}),
        "sesskey in form body": dict(data={"sesskey": account.sesskey}),
        "bearer": dict(headers={"Authorization": "Bearer " + account.sesskey}),
        "basic": dict(headers={"Authorization": basic(account.email, account.password)}),
        "apikey in query": dict(params={"apikey": account.apikey}),
        "apikey in JSON body": dict(json={"apikey": account.apikey}),
        "X-API-Key": dict(headers={"X-API-Key": account.apikey}),
    }
    for method, kwargs in requests.items():
        async with http.get(g + ME, **kwargs) as response:
            assert response.status == 200, (method, await response.text())
            body = await response.json()
        assert body["success"] is True and body["data"]["userid"] == account.userid, method
        assert body["data"]["email"] == account.email


async def test_each_wrong_credential_is_401_even_beside_a_good_one(system, http, account):
    good_cookie = {"Cookie": "sesskey=" + account.sesskey}
    wrong = {
        "basic": ({"headers": {**good_cookie, "Authorization": basic(account.email, "wrong password 1")}}, "invalid_credentials"),
        "unknown email": ({"headers": {"Authorization": basic("nobody@example.com", account.password)}}, "invalid_credentials"),
        "apikey": ({"headers": good_cookie, "params": {"apikey": "x" * 30}}, "invalid_credentials"),
        "X-API-Key": ({"headers": {**good_cookie, "X-API-Key": "y" * 30}}, "invalid_credentials"),
        "sesskey": ({"headers": good_cookie, "params": {"sesskey": "q" * 26}}, "session_expired"),
    }
    for method, (kwargs, code) in wrong.items():
        async with http.get(system.gateway + ME, **kwargs) as response:
            assert response.status == 401, method
            assert (await response.json())["error"]["code"] == code, method


async def test_organization_key_works_only_for_its_own_organization_api(system, http, account):
    other = await create_account(system, http, slug="globex", email="bob@example.com")
    org_headers = {"x-org-id": account.org_slug, "x-api-key": account.org_key}
    async with http.get(f"{system.gateway}/api/organization/{account.org_slug}/users", headers=org_headers) as response:
        assert response.status == 200, await response.text()
    async with http.get(f"{system.gateway}/api/organization/{other.org_slug}/users", headers=org_headers) as response:
        assert response.status == 403
    wrong_pair = {"x-org-id": other.org_slug, "x-api-key": account.org_key}
    async with http.get(f"{system.gateway}/api/organization/{other.org_slug}/users", headers=wrong_pair) as response:
        assert response.status == 401
        assert (await response.json())["code"] == "invalid_credentials"
    async with http.get(system.gateway + ME, headers=org_headers) as response:
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "forbidden_auth_method"
    # Without x-org-id the same key is a (wrong) user API key.
    async with http.get(system.gateway + ME, headers={"x-api-key": account.org_key}) as response:
        assert response.status == 401


async def test_api_keys_are_refused_on_sensitive_routes(system, http, account):
    org = f"/api/organization/{account.org_slug}"
    sensitive = [
        ("GET", "/api/1/users/me/apikey"),
        ("POST", "/api/1/users/me/apikey"),
        ("PUT", "/api/1/users/me/password"),
        ("GET", "/api/v1/sso"),
        ("POST", "/api/v1/sso"),
        ("GET", "/api/v1/sso/google"),
        ("DELETE", "/api/v1/sso/google"),
        ("GET", org + "/settings"),
        ("PATCH", org + "/settings"),
        ("GET", org + "/integrations"),
        ("POST", org + "/integrations/api-key"),
    ]
    for method, path in sensitive:
        async with http.request(method, system.gateway + path, headers={"X-API-Key": account.apikey}, json={}) as response:
            assert response.status == 403, (method, path)
            body = await response.json()
            assert (body["error"]["code"] if path.startswith("/api/1/") else body["code"]) == "forbidden_auth_method"
    async with http.get(system.gateway + "/api/1/users/me/apikey", headers={"Authorization": "Bearer " + account.sesskey}) as response:
        assert (await response.json())["data"]["apikey"] == account.apikey


async def test_two_users_in_one_request_are_ambiguous(system, http, account):
    other = await create_account(system, http, slug="globex", email="bob@example.com")
    async with http.get(system.gateway + ME, headers={"X-API-Key": other.apikey, "Cookie": "sesskey=" + account.sesskey}) as response:
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "ambiguous_credentials"
    async with http.get(system.gateway + ME, headers={"X-API-Key": account.apikey, "Cookie": "sesskey=" + account.sesskey}) as response:
        assert response.status == 200


async def test_no_secret_of_any_method_is_written_to_a_log_line(system, http, account, log_lines):
    async def send(path: str = ME, **kwargs) -> None:
        async with http.get(system.gateway + path, **kwargs) as response:
            await response.read()

    await send(headers={"Authorization": basic(account.email, account.password)})
    await send(headers={"Authorization": basic(account.email, "wrong password 9")})
    await send(params={"apikey": account.apikey})
    await send(params={"sesskey": account.sesskey})
    await send(headers={"X-API-Key": "z" * 30})
    await send(f"/api/organization/{account.org_slug}/users", headers={"x-org-id": account.org_slug, "x-api-key": account.org_key})
    lines = log_lines()
    text = "\n".join(map(str, lines))
    for secret in (account.password, "wrong password 9", account.apikey, account.sesskey, account.org_key, "z" * 30):
        assert secret not in text
    gateway_access = [line for line in lines if line.get("logger") == "latchkey.access" and line.get("route", "").startswith("/api/")]
    assert {line["auth"] for line in gateway_access if line["status"] == 200} >= {"basic", "api_key", "pwd", "org_key"}


async def test_cached_basic_and_api_key_cost_one_redis_round_trip(system, http, account, redis_client):
    async def calls() -> dict[str, int]:
        stats = await redis_client.info("commandstats")
        return {name: entry["calls"] for name, entry in stats.items() if name != "cmdstat_info"}

    for headers, command in (
        ({"Authorization": basic(account.email, account.password)}, "cmdstat_mget"),
        ({"X-API-Key": account.apikey}, "cmdstat_get"),
        ({"Cookie": "sesskey=" + account.sesskey}, "cmdstat_getex"),
    ):
        async with http.get(system.gateway + ME, headers=headers) as response:
            assert response.status == 200  # the first one fills the cache
        before = await calls()
        async with http.get(system.gateway + ME, headers=headers) as response:
            assert response.status == 200
        after = await calls()
        assert {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)} == {command: 1}


async def test_concurrent_first_uses_of_a_basic_credential_hash_the_password_once(system, http, account, log_lines):
    headers = {"Authorization": basic(account.email, account.password)}

    async def me() -> int:
        async with http.get(system.gateway + ME, headers=headers) as response:
            return response.status

    assert await asyncio.gather(*(me() for _ in range(20))) == [200] * 20
    checks = [line for line in log_lines() if line.get("logger") == "latchkey.access" and line.get("route") == "/internal/auth/password"]
    assert len(checks) == 1


async def test_guessing_a_basic_password_is_rate_limited_with_retry_after(start_system, http):
    system = await start_system(LOGIN_MAX_FAILURES="2", LOGIN_LOCKOUT_SECONDS="60")
    account = await create_account(system, http)
    wrong = {"Authorization": basic(account.email, "not the password 1")}
    for _ in range(2):
        async with http.get(system.gateway + ME, headers=wrong) as response:
            assert response.status == 401
    async with http.get(system.gateway + ME, headers=wrong) as response:
        assert response.status == 429
        assert (await response.json())["error"]["code"] == "rate_limited"
        assert 0 < int(response.headers["Retry-After"]) <= 60


async def test_spraying_basic_passwords_over_many_emails_is_limited_per_client_address(start_system, http):
    """One address trying one password on many accounts: each email's own counter stays low."""
    system = await start_system(LOGIN_MAX_FAILURES="5", LOGIN_MAX_FAILURES_PER_ADDRESS="3", LOGIN_LOCKOUT_SECONDS="60")
    statuses = []
    for index in range(4):
        spray = {"Authorization": basic(f"victim{index}@example.com", "Winter2026!")}
        async with http.get(system.gateway + ME, headers=spray) as response:
            statuses.append(response.status)
    assert statuses == [401, 401, 401, 429]
