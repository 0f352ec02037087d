"""Single-use tokens mailed to people (password reset, email verification), in Redis, stored only as a hash.

`<prefix><sha256(token)>` holds the claim and its expiry. Taking a token is one
GETDEL, so of any number of concurrent uses exactly one gets the claim. The
expiry is in the value and checked against an injected clock (Redis's TTL only
cleans up), so tests move time instead of sleeping.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import redis.asyncio as redis

from .security import lookup_hash, url_token
from .inputs import is_storable

MAX_TOKEN_LENGTH = 256


class OneTimeTokens:
    def __init__(self, client: redis.Redis, prefix: str, *, ttl: float, clock: Callable[[], float] = time.time) -> None:
        self._redis = client
        self._prefix = prefix
        self.ttl = ttl
        self._clock = clock

    def _entry(self, token: str) -> str:
        return self._prefix + lookup_hash(token)

    async def issue(self, claim: dict[str, Any]) -> str:
        token = url_token(32)
        value = json.dumps({"claim": claim, "exp": self._clock() + self.ttl})
        await self._redis.set(self._entry(token), value, px=max(1, round(self.ttl * 1000)))
        return token

    async def take(self, token: object) -> dict[str, Any] | None:
        """The token's claim, removed in the same step; None when used, expired, unknown or malformed."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH or not is_storable(token):
            return None
        raw = await self._redis.getdel(self._entry(token))
        if raw is None:
            return None
        stored = json.loads(raw)
        if self._clock() >= float(stored["exp"]):
            return None
        return stored["claim"]
