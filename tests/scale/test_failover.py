"""Killing a Redis master costs seconds, not sessions (SPEC §9).

Each test starts its own topology (it kills a master), signs sessions in,
makes sure they reached the replica (a write of our own on that master, then
WAIT: the replication stream is ordered, so everything written before it has
been acknowledged too), SIGKILLs the master and keeps asking. Until a replica
is promoted the answer is 503, never a 500; within 10 s it is 200 again and
every session is still there.
"""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio as redis

from latchkey.redis_client import open_redis
from latchkey_cli.redis_topologies import LocalCluster, LocalSentinel
from session.sessions import session_entry, session_handle
from tests.gateway.support import create_account, sign_in
from tests.session.conftest import CHEAP_ARGON2

from .conftest import PASSWORD

pytestmark = pytest.mark.slow

ME = "/api/1/users/me"
RECOVERY_SECONDS = 10


async def replicated(port: int, key: str) -> None:
    """Everything this master has written so far is on its replica (`key` must be one it serves)."""
    node = redis.Redis(port=port, password=PASSWORD)
    try:
        async with node.pipeline(transaction=False) as pipe:
            pipe.set(key, "1")
            pipe.execute_command("WAIT", 1, 5000)
            _ok, acknowledged = await pipe.execute()
        assert acknowledged == 1
    finally:
        await node.aclose()


async def recovery_seconds(http, url: str, headers: dict[str, str]) -> float:
    """Seconds until `url` answers 200 again; anything else on the way must be a 503."""
    started = time.monotonic()
    while True:
        async with http.get(url, headers=headers) as response:
            if response.status == 200:
                return time.monotonic() - started
            assert response.status == 503, (response.status, await response.text())
        assert time.monotonic() - started < RECOVERY_SECONDS, "no recovery within 10 s"
        await asyncio.sleep(0.1)


async def ten_sessions(start_system, http, redis_url: str):
    """A system on `redis_url` and ten sessions of one account."""
    system = await start_system(REDIS_URL=redis_url, **CHEAP_ARGON2)
    account = await create_account(system, http)
    sesskeys = [account.sesskey] + [await sign_in(system.gateway, http, account.email, account.password) for _ in range(9)]
    return system, account, sesskeys


async def sessions_all_alive(http, gateway: str, sesskeys: list[str]) -> None:
    for sesskey in sesskeys:
        async with http.get(gateway + ME, headers={"Authorization": "Bearer " + sesskey}) as response:
            assert response.status == 200, await response.text()


async def test_a_cluster_master_killed_is_replaced_and_no_replicated_session_is_lost(start_system, http, tmp_path):
    cluster = LocalCluster(tmp_path / "cluster", password=PASSWORD).start()
    try:
        system, account, sesskeys = await ten_sessions(start_system, http, cluster.url)
        client = open_redis(cluster.url)
        try:
            await client.initialize()  # the slot map, to find which master holds what
            victim = client.get_node_from_key(session_entry(session_handle(sesskeys[0])))
            for primary in client.get_primaries():
                marker = next(f"marker-{i}" for i in range(10_000) if client.get_node_from_key(f"marker-{i}") == primary)
                await replicated(primary.port, marker)
        finally:
            await client.aclose()

        cluster.kill(cluster.node_at(victim.port))
        took = await recovery_seconds(http, system.gateway + ME, {"Authorization": "Bearer " + sesskeys[0]})
        assert took < RECOVERY_SECONDS
        await sessions_all_alive(http, system.gateway, sesskeys)
        await sign_in(system.gateway, http, account.email, account.password)  # writes reach the new master
    finally:
        cluster.stop()


async def test_the_sentinel_master_killed_is_replaced_and_no_replicated_session_is_lost(start_system, http, tmp_path):
    group = LocalSentinel(tmp_path / "sentinel", password=PASSWORD).start()
    try:
        system, account, sesskeys = await ten_sessions(start_system, http, group.url)
        await replicated(group.current_master_port(), "marker")

        old = group.kill_master()
        took = await recovery_seconds(http, system.gateway + ME, {"Authorization": "Bearer " + sesskeys[0]})
        assert took < RECOVERY_SECONDS
        assert group.current_master_port() != old.port
        await sessions_all_alive(http, system.gateway, sesskeys)
        await sign_in(system.gateway, http, account.email, account.password)
    finally:
        group.stop()
