"""Failed-login counters in Redis: per email and per client address.

Each failure restarts a window of `lockout_seconds`; once a counter reaches its
limit every attempt, even with the right password, answers 429 until the
window ends, so guessing costs the attacker time however the guesses are
spread. The email is stored as an HMAC so Redis holds no address book.

An attempt reserves its place before the password is checked (one atomic
check-and-increment per counter), so guesses sent all at once cannot each pass
the check before any failure is counted; a success gives the place back.
Each script touches one key, so the counters may live on different Redis
Cluster slots.
"""

from __future__ import annotations

import redis.asyncio as redis

from latchkey.errors import RateLimited
from latchkey.security import keyed_hash

# KEYS[1] counter, ARGV[1] limit, ARGV[2] window: the new count, or -(seconds left) when already at the limit.
_RESERVE = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  local ttl = redis.call('TTL', KEYS[1])
  if ttl < 1 then ttl = tonumber(ARGV[2]) end
  return -ttl
end
count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return count
"""
# KEYS[1] counter: one place given back, never below zero, never creating a key without expiry.
_RELEASE = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 1 then return redis.call('DECR', KEYS[1]) end
redis.call('DEL', KEYS[1])
return 0
"""


class LoginLimiter:
    def __init__(
        self, client: redis.Redis, hmac_key: bytes, *, max_failures: int, max_failures_per_address: int, lockout_seconds: int
    ) -> None:
        self._redis = client
        self._hmac_key = hmac_key
        self._max_failures = max_failures
        self._max_per_address = max_failures_per_address
        self._lockout = lockout_seconds

    def _email_entry(self, email: str) -> str:
        return "login:e:" + keyed_hash(self._hmac_key, email.strip().lower())

    @staticmethod
    def _address_entry(address: str) -> str:
        return "login:a:" + address[:64]

    def _entries(self, email: str, address: str | None) -> list[tuple[str, int]]:
        entries = [(self._email_entry(email), self._max_failures)]
        if address:
            entries.append((self._address_entry(address), self._max_per_address))
        return entries

    async def reserve(self, email: str, address: str | None) -> None:
        """Count this attempt as a failure until `release`; RateLimited while the email or the address is locked."""
        entries = self._entries(email, address)
        async with self._redis.pipeline(transaction=False) as pipe:
            for entry, limit in entries:
                pipe.eval(_RESERVE, 1, entry, limit, self._lockout)
            answers = await pipe.execute()
        refused = [-int(answer) for answer in answers if int(answer) <= 0]
        if refused:
            # Give back the places this attempt did take, so a locked address does not also count against the email.
            taken = [entry for (entry, _), answer in zip(entries, answers) if int(answer) > 0]
            await self._release(*taken)
            raise RateLimited(max(refused))

    async def release(self, email: str, address: str | None) -> None:
        """The password was right: the email's failures are forgotten and the address gets its place back.

        The address keeps its other failures: one valid account must not reset an address that guesses others.
        """
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.delete(self._email_entry(email))
            if address:
                pipe.eval(_RELEASE, 1, self._address_entry(address))
            await pipe.execute()

    async def give_back(self, email: str, address: str | None) -> None:
        """Undo this attempt's reservation only: the other failures counted so far stay (a right password for
        a two-factor user is not yet a success)."""
        await self._release(*(entry for entry, _limit in self._entries(email, address)))

    async def _release(self, *entries: str) -> None:
        if not entries:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for entry in entries:
                pipe.eval(_RELEASE, 1, entry)
            await pipe.execute()
