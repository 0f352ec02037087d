"""A black-holed Redis (packets vanish, nothing answers) costs each request one bounded wait, then 503.

Requests must not queue behind one reconnect: twenty at once all answer
503 within about one REDIS_TIMEOUT, not twenty of them in a row.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from latchkey.redis_client import open_redis
from latchkey.settings import Env
from latchkey_cli.embedded import free_port
from session.sessions import SessionStore
from tests.gateway.support import Echo

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


async def test_every_request_answers_503_after_one_bounded_wait_and_recovers(start_system, servers, base_env, http):
    hole = await BlackHole(int(servers["redis"].rsplit(":", 1)[1].split("/")[0])).start()
    echo = await Echo(Env(base_env).key_map("INTERNAL_PUBLIC_KEYS")).start()
    try:
        upstreams = {name: echo.url for name in ("SESSION_URLS", "ORG_PROVISIONING_URLS", "OIDC_LINK_URLS")}
        system = await start_system(("gateway",), REDIS_URL=f"redis://127.0.0.1:{hole.port}/0", REDIS_TIMEOUT=str(TIMEOUT), **upstreams)
        direct = open_redis(servers["redis"])
        sesskey, _ = await SessionStore(direct, idle_timeout=60, absolute_lifetime=3600).create(
            user_id=1, org_id=None, role="", perms=frozenset(), amr=("pwd",)
        )
        await direct.aclose()
        bearer = {"Authorization": "Bearer " + sesskey}
        async def timed() -> tuple[int, float]:
            started = time.monotonic()
            async with http.get(system.gateway + ME, headers=bearer) as response:
                return response.status, time.monotonic() - started

        assert (await timed())[0] == 200

        hole.open.clear()
        started = time.monotonic()
        answers = await asyncio.gather(*(timed() for _ in range(20)))
        wall = time.monotonic() - started
        assert [status for status, _ in answers] == [503] * 20
        assert max(took for _, took in answers) < 4 * TIMEOUT
        assert wall < 4 * TIMEOUT  # side by side, not one after another (that would be 20 × TIMEOUT)

        hole.open.set()
        deadline = time.monotonic() + 5
        while True:
            status, _ = await timed()
            if status != 503:
                break
            assert time.monotonic() < deadline, "no recovery once Redis answers again"
            await asyncio.sleep(0.1)
        assert status == 200
    finally:
        hole.stop()
        await echo.stop()
