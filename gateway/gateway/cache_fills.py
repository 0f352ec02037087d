"""Filling the API-key and org-key caches without resurrecting a revoked key.

The race this closes: a gateway asks the owner about key K (valid), the owner
regenerates K and deletes its cache entry, and only then does the gateway
write the entry it was about to write, so the dead key would live on for the
cache TTL on every gateway. So the gateway first *claims* the entry with a
random marker, asks the owner, and writes the principal only if its marker is
still there (one Lua compare-and-set). A revocation in between deletes the
marker, and the write does nothing.

Readers (`latchkey.credential_cache.read`) treat a marker as a miss. Basic needs none of this: its entries are
checked against the user's credential version, which a change deletes.
"""

from __future__ import annotations

import json
from typing import Any

import redis.asyncio as redis

from latchkey.credential_cache import CACHE_TTL_SECONDS, CLAIM_PREFIX
from latchkey.security import url_token

CLAIM_TTL_SECONDS = 30  # longer than any owner answer; a crashed filler's claim just expires

_FILL_IF_CLAIMED = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return false
"""


async def claim(client: redis.Redis, entry: str) -> str:
    """Mark the entry as being filled; returns the marker to fill it with later."""
    marker = CLAIM_PREFIX.decode() + url_token(16)
    await client.set(entry, marker, ex=CLAIM_TTL_SECONDS)
    return marker


async def fill_if_claimed(
    client: redis.Redis, entry: str, marker: str, value: dict[str, Any], ttl: int = CACHE_TTL_SECONDS
) -> bool:
    """Write the verified principal unless a revocation removed our claim meanwhile."""
    result = await client.eval(_FILL_IF_CLAIMED, 1, entry, marker, json.dumps(value, separators=(",", ":")), ttl)
    return result is not None
