"""Failed-login counters in Redis: per email and per client address.

Each failure restarts a window of `lockout_seconds`; once a counter reaches its
limit every attempt, even with the right password, answers 429 until the
window ends, so guessing costs the attacker time however the guesses are
spread. The email is stored as an HMAC so Redis holds no address book.
"""

from __future__ import annotations

import redis.asyncio as redis

from latchkey.errors import RateLimited
from latchkey.security import keyed_hash


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

    async def check(self, email: str, address: str | None) -> int:
        """Raise RateLimited while the email or the address is locked; else the email's recent failures."""
        entries = self._entries(email, address)
        async with self._redis.pipeline(transaction=False) as pipe:
            for entry, _ in entries:
                pipe.get(entry)
                pipe.ttl(entry)
            answers = await pipe.execute()
        for index, (_, limit) in enumerate(entries):
            count, ttl = answers[2 * index], answers[2 * index + 1]
            if count is not None and int(count) >= limit:
                raise RateLimited(ttl if ttl and ttl > 0 else self._lockout)
        return int(answers[0] or 0)

    async def record_failure(self, email: str, address: str | None) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for entry, _ in self._entries(email, address):
                pipe.incr(entry)
                pipe.expire(entry, self._lockout)
            await pipe.execute()

    async def record_success(self, email: str) -> None:
        # The address counter stays: one valid account must not reset an address that guesses others.
        await self._redis.delete(self._email_entry(email))
