"""Refresh tokens in Redis: hashed at rest, short-lived, taken at most once."""

import asyncio

from latchkey.security import lookup_hash
from org_provisioning import refresh_tokens
from tests.org_provisioning.conftest import OrgApi, as_gateway, exchange, org_url, require_directory


async def test_refresh_token_is_stored_only_as_a_hash_with_a_ttl(redis_client):
    token = await refresh_tokens.issue(redis_client, 300, user_id=5, org_id=2, user_name="alice")
    keys = [key.decode() for key in await redis_client.keys("*")]
    assert keys == ["rt:" + lookup_hash(token)]
    assert token not in (await redis_client.get(keys[0])).decode()
    assert 299_000 < await redis_client.pttl(keys[0]) <= 300_000


async def test_refresh_token_take_is_single_use_under_concurrency(redis_client):
    token = await refresh_tokens.issue(redis_client, 300, user_id=5, org_id=2, user_name="alice")
    claims = await asyncio.gather(*(refresh_tokens.take(redis_client, token) for _ in range(50)))
    winners = [claim for claim in claims if claim is not None]
    assert winners == [{"userId": 5, "orgId": 2, "userName": "alice"}]
    assert await refresh_tokens.take(redis_client, token) is None


async def test_refresh_token_expires_after_its_ttl(redis_client):
    token = await refresh_tokens.issue(redis_client, 0.5, user_id=5, org_id=2, user_name="alice")
    await asyncio.sleep(0.7)
    assert await refresh_tokens.take(redis_client, token) is None


async def test_junk_tokens_are_simply_unknown(redis_client):
    for junk in (None, "", 42, "x" * 1000, {"a": 1}):
        assert await refresh_tokens.take(redis_client, junk) is None


async def test_unknown_refresh_token_is_refused_on_both_exchange_routes(system, http):
    for path, headers in [("/api/auth/refresh-token", {}), ("/internal/refresh-tokens/exchange", as_gateway(system))]:
        for body in ({"refreshToken": "never-issued"}, {}, {"refreshToken": 5}):
            async with http.post(org_url(system, path), json=body, headers=headers) as response:
                assert response.status == 401
                assert (await response.json(content_type=None))["code"] == "invalid_refresh_token"


async def test_an_expired_refresh_token_is_refused(start_system, http, make_org):
    system = await start_system(("session", "org-provisioning"), REFRESH_TOKEN_TTL="1")
    require_directory(system)
    api = OrgApi(http, system, await make_org("acme"))
    await api.upsert("alice", email="alice@example.com")
    status, issued = await api.refresh_token("alice")
    assert status == 201 and issued["expiresIn"] == 1
    await asyncio.sleep(1.2)
    status, body = await exchange(http, system, issued["refreshToken"])
    assert (status, body["code"]) == (401, "invalid_refresh_token")
