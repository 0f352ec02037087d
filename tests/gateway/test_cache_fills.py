"""A key revoked while the gateway was verifying it is not put back in the cache."""

from __future__ import annotations

from latchkey import credential_cache
from gateway import cache_fills

ENTRY = credential_cache.api_key_entry("k" * 30)
PRINCIPAL = {"sub": "7", "org": 1, "role": "", "perms": [], "amr": ["api_key"]}


async def test_a_verified_key_is_cached_when_nothing_revoked_it_meanwhile(redis_client):
    marker = await cache_fills.claim(redis_client, ENTRY)
    assert await credential_cache.read(redis_client, ENTRY) is None  # a claim is a miss, never a principal
    assert await cache_fills.fill_if_claimed(redis_client, ENTRY, marker, PRINCIPAL)
    assert await credential_cache.read(redis_client, ENTRY) == PRINCIPAL


async def test_a_revocation_during_verification_wins_over_the_fill(redis_client):
    marker = await cache_fills.claim(redis_client, ENTRY)
    await credential_cache.revoke(redis_client, ENTRY)  # the owner regenerates the key right now
    assert not await cache_fills.fill_if_claimed(redis_client, ENTRY, marker, PRINCIPAL)
    assert await redis_client.get(ENTRY) is None


async def test_a_newer_claim_supersedes_an_older_one(redis_client):
    older = await cache_fills.claim(redis_client, ENTRY)
    await cache_fills.claim(redis_client, ENTRY)
    assert not await cache_fills.fill_if_claimed(redis_client, ENTRY, older, PRINCIPAL)
