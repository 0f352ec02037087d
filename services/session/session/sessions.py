"""Server-side sessions in Redis: the one implementation, used by this service and the gateway.

Layout (docs/internal-api.md):
- `s:<handle>` → the session, a compact string, with a TTL equal to the idle
  timeout (capped at the absolute lifetime when created). The handle is the
  SHA-256 of the sesskey, so a Redis dump yields no usable key.
- `su:<userid>` → sorted set of the user's handles scored by their absolute
  expiry, for "log out everywhere". A sorted set (not a set) because Redis
  keeps small ones as a compact ziplist and lets us prune expired members by
  score inside the same pipeline that adds one.

The hot path is `touch`: a single GETEX both reads the session and restarts its
idle timeout, so the gateway pays one Redis round trip per authenticated request.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis.asyncio as redis

from latchkey.errors import SessionExpired
from latchkey.security import lookup_hash, session_key
from latchkey.tokens import Principal

Clock = Callable[[], float]
_SEP = "|"
_LIST_SEP = ","


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


def session_entry(session_id: str) -> bytes:
    # The raw 32-byte digest, not its 64 hex characters: half the key memory.
    return b"s:" + bytes.fromhex(session_id)


def user_index_entry(user_id: int) -> str:
    return "su:" + str(user_id)


def encode(session: Session) -> str:
    """`uid|org|perms|amr|auth_ms|lifetime_s|role`: about 44 bytes, small enough for Redis to
    keep the value in one allocation with its header (≤ 44 bytes is "embstr").

    The role goes last because it is the only free-form field: everything after
    the sixth separator is the role, whatever it contains.
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
            str(auth_ms),
            lifetime_s,
            session.role,
        )
    )


def decode(session_id: str, raw: bytes | str) -> Session:
    text = raw.decode() if isinstance(raw, bytes) else raw
    user_id, org_id, perms, amr, auth_ms, lifetime_s, role = text.split(_SEP, 6)
    authenticated_at = int(auth_ms) / 1000
    lifetime_ms = round(float(lifetime_s) * 1000)
    return Session(
        id=session_id,
        user_id=int(user_id),
        org_id=int(org_id) if org_id else None,
        role=role,
        perms=frozenset(p for p in perms.split(_LIST_SEP) if p),
        amr=tuple(a for a in amr.split(_LIST_SEP) if a),
        authenticated_at=authenticated_at,
        expires_at=(int(auth_ms) + lifetime_ms) / 1000,
    )


def _hex(member: bytes) -> str:
    return member.hex()


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
        self, *, user_id: int, org_id: int | None, role: str, perms: frozenset[str] | set[str] | tuple[str, ...], amr: tuple[str, ...] | list[str]
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
            # Members past their absolute expiry can no longer exist: drop them as we add.
            pipe.zremrangebyscore(index, "-inf", math.floor(now))
            pipe.zadd(index, {bytes.fromhex(session.id): math.ceil(session.expires_at)})
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

    async def idle_deadline(self, session_id: str) -> float | None:
        """When the session ends if nothing touches it (the earlier of idle and absolute expiry)."""
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
        return min(now + pttl / 1000, session.expires_at)

    async def destroy(self, session_id: str) -> None:
        raw = await self._redis.getdel(session_entry(session_id))
        if raw is not None:
            await self._redis.zrem(user_index_entry(decode(session_id, raw).user_id), bytes.fromhex(session_id))

    async def destroy_all(self, user_id: int, *, except_id: str | None = None) -> int:
        """End every session of the user (but `except_id`); returns how many were alive."""
        index = user_index_entry(user_id)
        members = [_hex(m) for m in await self._redis.zrange(index, 0, -1)]
        doomed = [m for m in members if m != except_id]
        if not doomed:
            return 0
        # One DEL per key (not one multi-key DEL) so this also works on Redis Cluster.
        async with self._redis.pipeline(transaction=False) as pipe:
            for session_id in doomed:
                pipe.delete(session_entry(session_id))
            pipe.zrem(index, *(bytes.fromhex(m) for m in doomed))
            results = await pipe.execute()
        return sum(results[:-1])
