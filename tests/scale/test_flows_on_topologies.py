"""The gateway and session flows on Redis Cluster and on Sentinel (SPEC §9): only REDIS_URL changes.

A focused subset of what the suite checks on one node: sign-in, every
credential form, revocation, refresh-token single use under concurrency, the
lockout. On a Cluster every multi-key operation must stay in one slot, so a
key layout that breaks that fails here (a cross-slot command is an error).
"""

from __future__ import annotations

import asyncio

import pytest

from tests.gateway.support import basic, create_account, sign_in
from tests.session.conftest import CHEAP_ARGON2

from .conftest import eventually

pytestmark = pytest.mark.slow

ME = "/api/1/users/me"


@pytest.fixture
async def scaled(start_system, topology_url):
    return await start_system(REDIS_URL=topology_url, **CHEAP_ARGON2)


async def status_of(http, url: str, **kwargs) -> int:
    async with http.get(url, **kwargs) as response:
        return response.status


async def test_every_credential_form_signs_in_and_revocations_end_them(scaled, http):
    account = await create_account(scaled, http)
    g = scaled.gateway + ME
    forms = {
        "cookie": dict(headers={"Cookie": "sesskey=" + account.sesskey}),
        "sesskey in query": dict(params={"sesskey": account.sesskey}),
        "bearer": dict(headers={"Authorization": "Bearer " + account.sesskey}),
        "basic": dict(headers={"Authorization": basic(account.email, account.password)}),
        "apikey in query": dict(params={"apikey": account.apikey}),
        "X-API-Key": dict(headers={"X-API-Key": account.apikey}),
    }
    for name, kwargs in forms.items():
        for _ in range(2):  # the second Basic / API-key use is served from the cache
            assert await status_of(http, g, **kwargs) == 200, name
    org = f"{scaled.gateway}/api/organization/{account.org_slug}/users"
    assert await status_of(http, org, headers={"x-org-id": account.org_slug, "x-api-key": account.org_key}) == 200

    # A new API key ends the old one; a password change ends the other sessions and the cached Basic.
    other = await sign_in(scaled.gateway, http, account.email, account.password)
    async with http.post(scaled.gateway + "/api/1/users/me/apikey", headers={"Authorization": "Bearer " + account.sesskey}) as response:
        assert response.status == 200
    assert await status_of(http, g, params={"apikey": account.apikey}) == 401
    change = {"currentPassword": account.password, "newPassword": "another password 2"}
    async with http.put(scaled.gateway + "/api/1/users/me/password", json=change, headers={"Authorization": "Bearer " + account.sesskey}) as response:
        assert response.status == 200, await response.text()
    assert await status_of(http, g, headers={"Authorization": basic(account.email, account.password)}) == 401
    assert await status_of(http, g, headers={"Authorization": "Bearer " + other}) == 401
    assert await status_of(http, g, headers={"Authorization": basic(account.email, "another password 2")}) == 200

    # Logout ends the session it names.
    async with http.delete(scaled.gateway + "/api/1/auth/session", headers={"Authorization": "Bearer " + account.sesskey}) as response:
        assert response.status == 200
    assert await status_of(http, g, headers={"Authorization": "Bearer " + account.sesskey}) == 401


async def test_a_refresh_token_is_spent_once_under_concurrency(scaled, http):
    account = await create_account(scaled, http)
    org = f"{scaled.gateway}/api/organization/{account.org_slug}"
    headers = {"x-org-id": account.org_slug, "x-api-key": account.org_key}
    async with http.post(org + "/user/partner-user/update", headers=headers, json={"email": "partner@example.com", "name": "P"}) as response:
        assert response.status in (200, 201), await response.text()
    async with http.post(org + "/user/partner-user/generate-token", headers=headers) as response:
        token = (await response.json())["refreshToken"]

    async def exchange() -> int:
        async with http.post(scaled.gateway + "/api/auth/refresh-token", json={"refreshToken": token}) as response:
            return response.status

    statuses = await asyncio.gather(*(exchange() for _ in range(12)))
    assert sorted(statuses) == [200] + [401] * 11


async def test_repeated_failures_lock_the_account(start_system, topology_url, http):
    system = await start_system(REDIS_URL=topology_url, LOGIN_MAX_FAILURES="3", LOGIN_LOCKOUT_SECONDS="60", **CHEAP_ARGON2)
    account = await create_account(system, http)
    url = system.gateway + "/api/1/auth/session"
    for _ in range(3):
        async with http.post(url, json={"email": account.email, "password": "wrong password"}) as response:
            assert response.status == 401
    async with http.post(url, json={"email": account.email, "password": account.password}) as response:
        assert response.status == 429 and (await response.json())["error"]["code"] == "rate_limited"


async def test_two_gateways_and_two_session_instances_see_a_revocation_within_a_second(start_system, redis_cluster, http):
    """Each gateway in front of its own session instance, all on one Cluster."""
    first = await start_system(REDIS_URL=redis_cluster.url, **CHEAP_ARGON2)
    second = await start_system(REDIS_URL=redis_cluster.url, **CHEAP_ARGON2)
    account = await create_account(first, http)
    bearer = {"Authorization": "Bearer " + account.sesskey}
    cached_basic = {"Authorization": basic(account.email, account.password)}
    for system in (first, second):
        assert await status_of(http, system.gateway + ME, headers=bearer) == 200
        assert await status_of(http, system.gateway + ME, headers=cached_basic) == 200

    other = await sign_in(second.gateway, http, account.email, account.password)  # through the second session instance
    change = {"currentPassword": account.password, "newPassword": "another password 3"}
    async with http.put(second.gateway + "/api/1/users/me/password", json=change, headers={"Authorization": "Bearer " + other}) as response:
        assert response.status == 200, await response.text()

    async def all_refused() -> bool:
        statuses = [await status_of(http, s.gateway + ME, headers=h) for s in (first, second) for h in (bearer, cached_basic)]
        return statuses == [401] * 4

    await eventually(all_refused, within=1.0)
