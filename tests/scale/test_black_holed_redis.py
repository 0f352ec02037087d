"""A black-holed Redis (packets vanish, nothing answers) costs each request one bounded wait, then 503.

Requests must not queue behind one reconnect: twenty at once all answer
503 within about one REDIS_TIMEOUT, not twenty of them in a row. On a Cluster
the client re-reads the slot map under one lock, node by node; there the
bound is two timeouts (latchkey.redis_client), still side by side.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from latchkey.redis_client import open_redis
from latchkey.settings import Env
from latchkey_cli.embedded import free_port
from latchkey_cli.redis_topologies import LocalCluster
from session.sessions import SessionStore
from tests.gateway.support import Echo

from .conftest import PASSWORD

pytestmark = pytest.mark.slow

ME = "/api/1/users/me"
TIMEOUT = 0.5


class BlackHole:
    """A TCP relay to Redis that can stop passing bytes either way, keeping the connections open."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.open = asyncio.Event()
        self.open.set()
        self.server: asyncio.Server | None = None

    async def start(self) -> BlackHole:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        return self

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self.open.wait()  # a new connection is accepted but never answered while closed
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            while data := await source.read(65536):
                await self.open.wait()
                sink.write(data)
                await sink.drain()
            sink.close()

        await asyncio.gather(pump(reader, upstream_writer), pump(upstream_reader, writer), return_exceptions=True)

    def stop(self) -> None:
        if self.server is not None:
            self.server.close()


@pytest.fixture
async def echo(base_env):
    server = await Echo(Env(base_env).key_map("INTERNAL_PUBLIC_KEYS")).start()
    yield server
    await server.stop()


async def gateway_with_a_session(start_system, echo, http, redis_url: str, direct_url: str):
    """A gateway on `redis_url` in front of the echo, and `timed()`: one /users/me with a real session."""
    upstreams = {name: echo.url for name in ("SESSION_URLS", "ORG_PROVISIONING_URLS", "OIDC_LINK_URLS")}
    system = await start_system(("gateway",), REDIS_URL=redis_url, REDIS_TIMEOUT=str(TIMEOUT), **upstreams)
    direct = open_redis(direct_url)
    try:
        store = SessionStore(direct, idle_timeout=60, absolute_lifetime=3600)
        sesskey, _ = await store.create(user_id=1, org_id=None, role="", perms=frozenset(), amr=("pwd",))
    finally:
        await direct.aclose()

    async def timed() -> tuple[int, float]:
        started = time.monotonic()
        async with http.get(system.gateway + ME, headers={"Authorization": "Bearer " + sesskey}) as response:
            return response.status, time.monotonic() - started

    assert (await timed())[0] == 200
    return timed


async def test_every_request_answers_503_after_one_bounded_wait_and_recovers(start_system, servers, echo, http):
    hole = await BlackHole(int(servers["redis"].rsplit(":", 1)[1].split("/")[0])).start()
    try:
        timed = await gateway_with_a_session(start_system, echo, http, f"redis://127.0.0.1:{hole.port}/0", servers["redis"])
        hole.open.clear()
        started = time.monotonic()
        answers = await asyncio.gather(*(timed() for _ in range(20)))
        wall = time.monotonic() - started
        assert [status for status, _ in answers] == [503] * 20
        # Side by side, not one after another (that would be 20 × TIMEOUT); room for a loaded machine.
        assert max(took for _, took in answers) < 8 * TIMEOUT
        assert wall < 8 * TIMEOUT

        hole.open.set()
        deadline = time.monotonic() + 5
        while (await timed())[0] != 200:
            assert time.monotonic() < deadline, "no recovery once Redis answers again"
            await asyncio.sleep(0.1)
    finally:
        hole.stop()


async def test_on_a_black_holed_cluster_requests_fail_side_by_side_not_behind_the_slot_map_lock(start_system, echo, http, tmp_path):
    # SIGSTOP: the nodes' sockets stay open and accept connections, but nothing is ever answered.
    cluster = LocalCluster(tmp_path / "cluster", password=PASSWORD).start()
    stopped = []
    try:
        timed = await gateway_with_a_session(start_system, echo, http, cluster.url, cluster.url)
        for node in cluster.nodes:
            os.kill(node.process.pid, signal.SIGSTOP)
            stopped.append(node)
        for _round in range(2):  # the second round starts with the slot map to re-read
            started = time.monotonic()
            answers = await asyncio.gather(*(timed() for _ in range(10)))
            assert [status for status, _ in answers] == [503] * 10
            # Each gives up after 2 × TIMEOUT; ten in a row behind the lock took 30 × TIMEOUT.
            assert time.monotonic() - started < 10 * TIMEOUT
        for node in stopped:
            os.kill(node.process.pid, signal.SIGCONT)
        stopped.clear()
        deadline = time.monotonic() + 15  # the nodes may have started a failover among themselves
        while (await timed())[0] != 200:
            assert time.monotonic() < deadline, "no recovery once the cluster answers again"
            await asyncio.sleep(0.2)
    finally:
        for node in stopped:
            os.kill(node.process.pid, signal.SIGCONT)
        cluster.stop()
