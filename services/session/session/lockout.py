"""Failed-login counters in Redis: per account (the lockout) and per client address (a throttle).

Each failure restarts a window of `lockout_seconds`. Once an account's counter
reaches its limit every attempt on it, even with the right password, answers
429 until the window ends, so guessing one account costs the attacker time
however the guesses are spread over addresses (OWASP: the counter belongs to
the account). The email is stored as an HMAC so Redis holds no address book.

An address that reached its own limit (password spraying: a few guesses at
many accounts) is not a lockout of everyone behind it. Many people share an
address (an office NAT, a carrier-grade NAT, a proxy we were not told to
trust), and the attacker must not be able to spend their budget. So every
successful sign-in remembers the pair (address, account) for
`KNOWN_PAIR_SECONDS` (an HMAC of both, like a device cookie keyed on the
address, which Basic and API clients can carry too), and a locked address
still gets its password checked for the accounts that signed in from it
before; for those the account's own counter decides. Anyone else behind a
locked address waits for its window, and a sprayer there gets no guesses
beyond the address's limit except at accounts that already use that address.

An attempt reserves its place before the password is checked (one atomic
check-and-increment per counter), so guesses sent all at once cannot each pass
the check before any failure is counted. A success gives the places back, and
so does an attempt that failed for another reason than the password (the
database was down, the request was cancelled): an outage is not a guess.
Each script touches one key, so the counters may live on different Redis
Cluster slots.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType

import redis.asyncio as redis
from redis.exceptions import RedisError

from latchkey.errors import RateLimited
from latchkey.security import keyed_hash

log = logging.getLogger("session.lockout")
KNOWN_PAIR_SECONDS = 30 * 24 * 3600

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


class Attempt:
    """One reserved password check: a failure unless it `succeeded`, given back if the check itself broke.

        attempt = await limiter.reserve(email, address)
        async with attempt:          # an exception in here is not a wrong password: places given back
            matches = await check(...)
        if not matches:
            raise InvalidCredentials()   # the reservation stays: one failure counted
        await attempt.succeeded()
    """

    def __init__(
        self, client: redis.Redis, email_entry: str | None, address_entry: str | None = None, known_entry: str | None = None
    ) -> None:
        self._redis = client
        self._email_entry = email_entry  # None for an uncounted check (a user without an email)
        self._address_entry = address_entry  # None when the address was not counted (none given, or locked)
        self._known_entry = known_entry  # the (address, account) pair to remember on success

    async def succeeded(self) -> None:
        """The password was right: the account's failures are forgotten and the address gets its place back.

        The address keeps its other failures: one valid account must not reset an address that guesses others.
        """
        if self._email_entry is None:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.delete(self._email_entry)
            if self._address_entry:
                pipe.eval(_RELEASE, 1, self._address_entry)
            if self._known_entry:
                pipe.set(self._known_entry, b"1", ex=KNOWN_PAIR_SECONDS)
            await pipe.execute()

    async def give_back(self) -> None:
        """Not a guess after all: each place this attempt took is released."""
        entries = [entry for entry in (self._email_entry, self._address_entry) if entry]
        if not entries:
            return
        try:
            await _release(self._redis, *entries)
        except (RedisError, OSError) as error:  # Redis went away too: the places expire with their window
            log.warning("lockout places not given back", extra={"fields": {"error": type(error).__name__}})

    async def __aenter__(self) -> Attempt:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            await self.give_back()

    @asynccontextmanager
    async def unless(self, *guesses: type[BaseException]) -> AsyncIterator[None]:
        """Like `async with attempt`, except that these exceptions are wrong guesses and stay counted."""
        try:
            yield
        except guesses:
            raise
        except BaseException:
            await self.give_back()
            raise


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

    async def forgive(self, email: str) -> None:
        """The account's failures are forgotten (its owner proved who they are another way)."""
        await self._redis.delete(self._email_entry(email))

    def uncounted(self) -> Attempt:
        """A check that counts towards no limit (a user without an email has no account counter)."""
        return Attempt(self._redis, None)

    def _known_entry(self, email: str, address: str) -> str:
        return "login:k:" + keyed_hash(self._hmac_key, address[:64] + "|" + email.strip().lower())

    async def reserve(self, email: str, address: str | None) -> Attempt:
        """Count this attempt as a failure until it succeeds; RateLimited while the account is locked, or
        while the address is locked and this account never signed in from it."""
        email_entry = self._email_entry(email)
        if not address:
            email_count = int(await self._redis.eval(_RESERVE, 1, email_entry, self._max_failures, self._lockout))
            if email_count <= 0:
                raise RateLimited(-email_count)
            return Attempt(self._redis, email_entry)
        address_entry, known_entry = self._address_entry(address), self._known_entry(email, address)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.eval(_RESERVE, 1, email_entry, self._max_failures, self._lockout)
            pipe.eval(_RESERVE, 1, address_entry, self._max_per_address, self._lockout)
            email_count, address_count = (int(answer) for answer in await pipe.execute())
        if email_count <= 0:
            # Give back the address's place, so a locked account does not also count against its address.
            if address_count > 0:
                await _release(self._redis, address_entry)
            raise RateLimited(-email_count)
        if address_count <= 0:
            if await self._redis.exists(known_entry):  # someone who signs in from here: the account decides
                return Attempt(self._redis, email_entry, None, known_entry)
            await _release(self._redis, email_entry)
            raise RateLimited(-address_count)
        return Attempt(self._redis, email_entry, address_entry, known_entry)


async def _release(client: redis.Redis, *entries: str) -> None:
    async with client.pipeline(transaction=False) as pipe:
        for entry in entries:
            pipe.eval(_RELEASE, 1, entry)
        await pipe.execute()
