"""SessionStore against a real Redis: sliding idle timeout, absolute lifetime, logout everywhere."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from latchkey.errors import SessionExpired
from session.sessions import SessionStore, session_entry


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def new_session(store: SessionStore, user_id: int = 7, **overrides):
    fields = {"user_id": user_id, "org_id": 3, "role": "ADMIN", "perms": frozenset({"oauth"}), "amr": ("pwd",)}
    return await store.create(**{**fields, **overrides})


async def test_touch_returns_the_session_and_its_principal(redis_client):
    store = SessionStore(redis_client, idle_timeout=60, absolute_lifetime=3600)
    sesskey, created = await new_session(store)
    session = await store.touch(sesskey)
    assert session == created
    assert session.id == hashlib.sha256(sesskey.encode()).hexdigest()
    principal = session.principal()
    assert (principal.sub, principal.org, principal.role) == ("7", 3, "ADMIN")
    assert principal.perms == frozenset({"oauth"}) and principal.amr == ("pwd",) and principal.sid == session.id


async def test_a_touch_at_60_percent_of_the_idle_timeout_keeps_the_session_alive(redis_client):
    store = SessionStore(redis_client, idle_timeout=1.5, absolute_lifetime=60)
    sesskey, _ = await new_session(store)
    for _ in range(3):  # 2.7 s in all: longer than the idle timeout, but never idle for it
        await asyncio.sleep(0.9)
        await store.touch(sesskey)


async def test_silence_for_the_whole_idle_timeout_ends_the_session(redis_client):
    store = SessionStore(redis_client, idle_timeout=0.5, absolute_lifetime=60)
    sesskey, _ = await new_session(store)
    await asyncio.sleep(0.6)
    with pytest.raises(SessionExpired):
        await store.touch(sesskey)


async def test_absolute_lifetime_ends_a_session_however_active(redis_client):
    clock = FakeClock()
    store = SessionStore(redis_client, idle_timeout=60, absolute_lifetime=100, clock=clock)
    sesskey, session = await new_session(store)
    assert session.expires_at == clock.now + 100
    for _ in range(9):
        clock.now += 10
        await store.touch(sesskey)
    clock.now += 10
    with pytest.raises(SessionExpired):
        await store.touch(sesskey)
    assert await redis_client.exists(session_entry(session.id)) == 0


async def test_unknown_sesskey_is_session_expired(redis_client):
    store = SessionStore(redis_client, idle_timeout=60, absolute_lifetime=3600)
    with pytest.raises(SessionExpired):
        await store.touch("a" * 26)


async def test_every_create_issues_a_new_random_sesskey(redis_client):
    store = SessionStore(redis_client, idle_timeout=60, absolute_lifetime=3600)
    first, a = await new_session(store)
    second, b = await new_session(store)
    assert first != second and a.id != b.id
    assert len(first) == 26 and first.islower()


async def test_redis_holds_no_usable_sesskey(redis_client):
    store = SessionStore(redis_client, idle_timeout=60, absolute_lifetime=3600)
    sesskey, _ = await new_session(store)
    for key in await redis_client.keys("*"):
        assert sesskey.encode() not in key
        dump = await redis_client.dump(key)
        assert sesskey.encode() not in dump


async def test_get_reads_without_sliding_the_idle_timeout(redis_client):
    store = SessionStore(redis_client, idle_timeout=1.5, absolute_lifetime=60)
    sesskey, created = await new_session(store)
    await asyncio.sleep(0.9)
    assert await store.get(created.id) == created
    await asyncio.sleep(0.7)
    assert await store.get(created.id) is None


async def test_idle_deadline_moves_with_each_touch_and_stops_at_the_absolute_expiry(redis_client):
    store = SessionStore(redis_client, idle_timeout=600, absolute_lifetime=300)
    sesskey, session = await new_session(store)
    _session, deadline = await store.inspect(session.id)
    assert deadline <= session.expires_at
    store_long = SessionStore(redis_client, idle_timeout=60, absolute_lifetime=3600)
    sesskey, session = await new_session(store_long)
    _session, first = await store_long.inspect(session.id)
    await asyncio.sleep(0.05)
    await store_long.touch(sesskey)
    _session, later = await store_long.inspect(session.id)
    assert later > first


async def test_destroy_ends_one_session(redis_client):
    store = SessionStore(redis_client, idle_timeout=60, absolute_lifetime=3600)
    gone, session = await new_session(store)
    kept, _ = await new_session(store)
    await store.destroy(session.id)
    with pytest.raises(SessionExpired):
        await store.touch(gone)
    await store.touch(kept)


async def test_destroy_all_ends_every_session_of_the_user_but_the_one_kept(redis_client):
    store = SessionStore(redis_client, idle_timeout=60, absolute_lifetime=3600)
    keys = [await new_session(store, user_id=7) for _ in range(3)]
    other_user, _ = await new_session(store, user_id=8)
    kept_key, kept = keys[0]
    assert await store.destroy_all(7, except_id=kept.id) == 2
    for sesskey, _ in keys[1:]:
        with pytest.raises(SessionExpired):
            await store.touch(sesskey)
    await store.touch(kept_key)
    await store.touch(other_user)
    assert await store.destroy_all(7) == 1
    with pytest.raises(SessionExpired):
        await store.touch(kept_key)
    assert await store.destroy_all(7) == 0


async def test_a_role_with_separators_and_no_org_survive_storage(redis_client):
    store = SessionStore(redis_client, idle_timeout=60, absolute_lifetime=1.5)
    sesskey, created = await new_session(store, org_id=None, role="a|b,c", perms=frozenset(), amr=("org_sso", "pwd"))
    assert await store.touch(sesskey) == created


async def test_an_idle_session_with_its_index_entry_fits_in_300_bytes_of_redis(redis_client):
    store = SessionStore(redis_client, idle_timeout=1200, absolute_lifetime=12 * 3600)
    _, session = await new_session(store, user_id=1234567, org_id=12345, role="ADMIN")
    session_bytes = await redis_client.memory_usage(session_entry(session.id))
    index_bytes = await redis_client.memory_usage("su:1234567")
    assert session_bytes + index_bytes <= 300
