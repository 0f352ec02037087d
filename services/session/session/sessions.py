"""Server-side sessions in Redis: the one implementation, used by this service and the gateway.

Layout (docs/internal-api.md):
- `s:<handle>` → the session, a compact string, with a TTL equal to the idle
  timeout. The handle is (the first 16 bytes of) the SHA-256 of the sesskey,
  so a Redis dump yields no usable key. The absolute expiry is in the value
  and checked on every read: a key slid past it may linger until its idle TTL
  runs out, but it is never honoured.
- `sm:<handle>` → what the sessions list shows but no request needs (client
  address and User-Agent at sign-in), written in the same pipeline as the
  session, living as long as its absolute lifetime.
- `su:<userid>` → sorted set of the user's handles scored by their absolute
  expiry, for "log out everywhere". A sorted set (not a set) because Redis
  keeps small ones as a compact ziplist and lets us prune expired members by
  score inside the same pipeline that adds one.

The hot path is `touch`: a single GETEX both reads the session and restarts its
idle timeout, so the gateway pays one Redis round trip per authenticated request.
"Last seen" costs the hot path nothing: the idle TTL restarts at every use,
so the last use was `idle_timeout - remaining TTL` ago (`list_for_user`).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis.asyncio as redis

from latchkey.errors import SessionExpired
from latchkey.security import lookup_hash, session_key
from latchkey.settings import Env
from latchkey.tokens import Principal

Clock = Callable[[], float]
_SEP = "|"
_LIST_SEP = ","
_PUBLIC_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True, slots=True)
class Session:
    """One session; `id` is the SHA-256 handle of the sesskey, never the key itself."""

    id: str
    user_id: int
    org_id: int | None
    role: str
    perms: frozenset[str]
    amr: tuple[str, ...]
    authenticated_at: float
    expires_at: float  # absolute expiry, however active the session is

    def principal(self) -> Principal:
        return Principal(
            sub=str(self.user_id), org=self.org_id, role=self.role, perms=self.perms, amr=self.amr, sid=self.id
        )


def session_handle(sesskey: str) -> str:
    return lookup_hash(sesskey)


def storage_id(session_id: str) -> bytes:
    """The handle's first 128 bits, raw: how Redis names the session, in its key and the user index.

    Raw bytes instead of 64 hex characters, and half the digest, keep an idle
    session near 300 bytes of Redis memory. 128 bits of SHA-256 over a 130-bit
    random key still cannot be inverted or collide in practice.
    """
    return bytes.fromhex(session_id[:32])


def session_entry(session_id: str) -> bytes:
    return b"s:" + storage_id(session_id)


def session_meta_entry(session_id: str) -> bytes:
    return b"sm:" + storage_id(session_id)


def public_id(session_id: str) -> str:
    """The id the sessions list shows and `DELETE /api/1/auth/sessions/{id}` takes: the storage id, in hex.

    It names a session without being able to act as one: the sesskey cannot be
    recovered from it, and a user can only end sessions in their own index.
    """
    return session_id[:32]


@dataclass(frozen=True, slots=True)
class SessionView:
    """A live session as the sessions list shows it."""

    id: str  # public_id
    session: Session
    last_seen_at: float
    address: str | None
    user_agent: str | None


def user_index_entry(user_id: int) -> str:
    return "su:" + str(user_id)


def encode(session: Session) -> str:
    """`uid|org|perms|amr|auth|lifetime|role`, e.g. `395|1|oauth|pwd|mhxq1w2x|43200|USER`.

    Redis keeps a value of at most 44 bytes in one allocation with its header
    ("embstr"), so the authentication time is in milliseconds written in base 36
    (8 characters) and the lifetime in seconds. The role goes last because it is
    the only free-form field: everything after the sixth separator is the role.
    """
    auth_ms = round(session.authenticated_at * 1000)
    lifetime_ms = round(session.expires_at * 1000) - auth_ms
    lifetime_s = f"{lifetime_ms // 1000}.{lifetime_ms % 1000:03d}".rstrip("0").rstrip(".")
    return _SEP.join(
        (
            str(session.user_id),
            "" if session.org_id is None else str(session.org_id),
            _LIST_SEP.join(sorted(session.perms)),
            _LIST_SEP.join(session.amr),
            _base36(auth_ms),
            lifetime_s,
            session.role,
        )
    )


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
        if not number:
            return digits


def decode(session_id: str, raw: bytes | str) -> Session:
    text = raw.decode() if isinstance(raw, bytes) else raw
    user_id, org_id, perms, amr, auth, lifetime_s, role = text.split(_SEP, 6)
    auth_ms = int(auth, 36)
    lifetime_ms = round(float(lifetime_s) * 1000)
    return Session(
        id=session_id,
        user_id=int(user_id),
        org_id=int(org_id) if org_id else None,
        role=role,
        perms=frozenset(p for p in perms.split(_LIST_SEP) if p),
        amr=tuple(a for a in amr.split(_LIST_SEP) if a),
        authenticated_at=auth_ms / 1000,
        expires_at=(auth_ms + lifetime_ms) / 1000,
    )


@dataclass(frozen=True, slots=True)
class Lifetimes:
    """How long a session lives: read here once for both processes that enforce it.

    The session service sets the absolute expiry and the first idle TTL; the
    gateway slides the idle TTL on every request. Both read the same two
    variables through this one function, so they cannot drift apart by default.
    """

    idle_timeout: float
    absolute_lifetime: float

    @classmethod
    def from_env(cls, env: Env) -> Lifetimes:
        return cls(
            idle_timeout=env.float("SESSION_IDLE_TIMEOUT", 20 * 60, minimum=0.1),
            absolute_lifetime=env.float("SESSION_ABSOLUTE_LIFETIME", 12 * 3600, minimum=0.1),
        )


def _check_names(kind: str, names: tuple[str, ...] | frozenset[str]) -> None:
    for name in names:
        if not name or _SEP in name or _LIST_SEP in name:
            raise ValueError(f"{kind} names must be non-empty and contain no '|' or ','")


class SessionStore:
    """Sessions in Redis. `redis_client` must return bytes (decode_responses=False, as `latchkey.storage.open_redis`)."""

    def __init__(self, redis_client: redis.Redis, *, idle_timeout: float, absolute_lifetime: float, clock: Clock = time.time) -> None:
        self._redis = redis_client
        self.idle_timeout = idle_timeout
        self.absolute_lifetime = absolute_lifetime
        self._clock = clock
        self._idle_ms = max(1, round(idle_timeout * 1000))

    async def create(
        self,
        *,
        user_id: int,
        org_id: int | None,
        role: str,
        perms: frozenset[str] | set[str] | tuple[str, ...],
        amr: tuple[str, ...] | list[str],
        address: str | None = None,
        user_agent: str | None = None,
    ) -> tuple[str, Session]:
        """A new session under a new random sesskey (never reused: fixation is impossible)."""
        perms, amr = frozenset(perms), tuple(amr)
        _check_names("permission", perms)
        _check_names("amr", amr)
        now = self._clock()
        sesskey = session_key()
        session = Session(
            id=session_handle(sesskey),
            user_id=user_id,
            org_id=org_id,
            role=role or "",
            perms=perms,
            amr=amr,
            authenticated_at=now,
            expires_at=now + self.absolute_lifetime,
        )
        value = encode(session)
        session = decode(session.id, value)  # what every reader will see, times rounded to the millisecond
        first_ttl_ms = max(1, min(self._idle_ms, round(self.absolute_lifetime * 1000)))
        index = user_index_entry(user_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(session_entry(session.id), value, px=first_ttl_ms)
            if address or user_agent:
                meta = json.dumps({"a": address, "u": user_agent}, separators=(",", ":"))
                pipe.set(session_meta_entry(session.id), meta, px=max(1, round(self.absolute_lifetime * 1000)))
            # Members past their absolute expiry can no longer exist: drop them as we add.
            pipe.zremrangebyscore(index, "-inf", math.floor(now))
            pipe.zadd(index, {storage_id(session.id): math.ceil(session.expires_at)})
            # The newest session expires last, so the index may go when it does.
            pipe.expire(index, math.ceil(self.absolute_lifetime) + 1)
            await pipe.execute()
        return sesskey, session

    async def touch(self, sesskey: str) -> Session:
        """Read the session of `sesskey` and restart its idle timeout, in one round trip."""
        session_id = session_handle(sesskey)
        raw = await self._redis.getex(session_entry(session_id), px=self._idle_ms)
        if raw is None:
            raise SessionExpired()
        session = decode(session_id, raw)
        if self._clock() >= session.expires_at:
            await self._redis.delete(session_entry(session_id))
            raise SessionExpired()
        return session

    async def get(self, session_id: str) -> Session | None:
        """The session with this handle, without sliding its idle timeout."""
        raw = await self._redis.get(session_entry(session_id))
        if raw is None:
            return None
        session = decode(session_id, raw)
        return session if self._clock() < session.expires_at else None

    async def inspect(self, session_id: str) -> tuple[Session, float] | None:
        """The session and when it ends if nothing touches it (the earlier of idle and absolute expiry)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(session_entry(session_id))
            pipe.pttl(session_entry(session_id))
            raw, pttl = await pipe.execute()
        if raw is None or pttl is None or pttl < 0:
            return None
        session = decode(session_id, raw)
        now = self._clock()
        if now >= session.expires_at:
            return None
        return session, min(now + pttl / 1000, session.expires_at)

    async def destroy(self, session_id: str) -> bool:
        """End one session; False when it was not alive."""
        raw = await self._redis.getdel(session_entry(session_id))
        if raw is None:
            return False
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zrem(user_index_entry(decode(session_id, raw).user_id), storage_id(session_id))
            pipe.delete(session_meta_entry(session_id))
            await pipe.execute()
        return True

    async def list_for_user(self, user_id: int) -> list[SessionView]:
        """The user's live sessions, newest first, with when each was last used (from its idle TTL)."""
        members = await self._redis.zrange(user_index_entry(user_id), 0, -1)
        if not members:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for member in members:
                pipe.get(b"s:" + member)
                pipe.pttl(b"s:" + member)
                pipe.get(b"sm:" + member)
            answers = await pipe.execute()
        now = self._clock()
        found = []
        for index, member in enumerate(members):
            raw, pttl, meta_raw = answers[3 * index : 3 * index + 3]
            if raw is None or pttl is None or pttl < 0:
                continue
            session = decode(member.hex(), raw)  # a 32-hex id names the same keys as the full handle
            if now >= session.expires_at:
                continue
            meta = json.loads(meta_raw) if meta_raw else {}
            idle_for = max(0.0, self.idle_timeout - pttl / 1000)
            last_seen = min(now, max(session.authenticated_at, now - idle_for))
            found.append(SessionView(member.hex(), session, last_seen, meta.get("a"), meta.get("u")))
        return sorted(found, key=lambda view: view.session.authenticated_at, reverse=True)

    async def destroy_by_public_id(self, user_id: int, session_public_id: str) -> bool:
        """End the user's session with this public id; False when the user has no such live session."""
        if not _PUBLIC_ID.fullmatch(session_public_id):
            return False
        if await self._redis.zscore(user_index_entry(user_id), bytes.fromhex(session_public_id)) is None:
            return False
        return await self.destroy(session_public_id)

    async def destroy_all(self, user_id: int, *, except_id: str | None = None) -> int:
        """End every session of the user (but `except_id`); returns how many were alive."""
        index = user_index_entry(user_id)
        kept = storage_id(except_id) if except_id else None
        doomed = [m for m in await self._redis.zrange(index, 0, -1) if m != kept]
        if not doomed:
            return 0
        # One DEL per key (not one multi-key DEL) so this also works on Redis Cluster.
        async with self._redis.pipeline(transaction=False) as pipe:
            for member in doomed:
                pipe.delete(b"s:" + member)
            pipe.zrem(index, *doomed)
            for member in doomed:
                pipe.delete(b"sm:" + member)
            results = await pipe.execute()
        return sum(results[: len(doomed)])
