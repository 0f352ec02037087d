"""Fixed-window request counters in Redis, for actions that cost us or bother someone (mail, mostly).

Unlike the login lockout (session/lockout.py), which counts failures and forgives a
success, these count every request: asking for a password-reset mail ten times
is ten mails, whoever asks. One script per counter, one key each, so the keys
may live on different Redis Cluster slots.
"""

from __future__ import annotations

import redis.asyncio as redis

from .errors import RateLimited

# KEYS[1] counter, ARGV[1] limit, ARGV[2] window (s): 0 when allowed, else the seconds until the window ends.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if count > tonumber(ARGV[1]) then
  local ttl = redis.call('TTL', KEYS[1])
  if ttl < 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]); ttl = tonumber(ARGV[2]) end
  return ttl
end
return 0
"""


class FixedWindow:
    """At most `limit` hits per `window` seconds for each name (an email's HMAC, an address, a user id)."""

    def __init__(self, client: redis.Redis, prefix: str, *, limit: int, window: int) -> None:
        self._redis = client
        self._prefix = prefix
        self.limit = limit
        self.window = window

    async def hit(self, *names: str) -> None:
        """Count one hit for every name; RateLimited (the longest wait) when any is over its limit."""
        if not names:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.eval(_HIT, 1, self._prefix + name[:128], self.limit, self.window)
            waits = [int(answer) for answer in await pipe.execute()]
        if max(waits) > 0:
            raise RateLimited(max(waits))
