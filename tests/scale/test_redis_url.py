"""REDIS_URL names one topology; a wrong one stops the process with one line naming the variable."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from latchkey.redis_client import RedisTarget, open_redis, parse
from latchkey.settings import Env, SettingsError


def test_one_node_urls_are_left_to_redis_py():
    for url in ("redis://127.0.0.1:6379/0", "rediss://:pw@cache.example:6380/2", "unix:///run/redis.sock"):
        assert parse(url) == RedisTarget("node", url)


def test_sentinel_url_names_sentinels_master_and_password():
    target = parse("redis+sentinel://:s%40cret@10.0.0.1:26379,10.0.0.2:26379,[::1]:26380/mymaster?db=2&sentinel_password=x")
    assert target.topology == "sentinel"
    assert target.nodes == (("10.0.0.1", 26379), ("10.0.0.2", 26379), ("::1", 26380))
    assert (target.master_name, target.db, target.password, target.sentinel_password, target.tls) == ("mymaster", 2, "s@cret", "x", False)


def test_cluster_url_names_seed_nodes_user_and_tls():
    target = parse("rediss+cluster://app:pw@n1:7000,n2:7001")
    assert (target.topology, target.nodes, target.username, target.password, target.tls) == (
        "cluster", (("n1", 7000), ("n2", 7001)), "app", "pw", True
    )


@pytest.mark.parametrize(
    "url, problem",
    [
        ("http://x:1", "scheme"),
        ("redis+sentinel://h:26379", "MASTER_NAME"),
        ("redis+sentinel://h:26379/a/b", "MASTER_NAME"),
        ("redis+sentinel:///m", "host:port"),
        ("redis+cluster://h", "not host:port"),
        ("redis+cluster://h:99999", "not host:port"),
        ("redis+cluster://h:1/3", "database 0"),
        ("redis+cluster://h:1?db=1", "database 0"),
        ("redis+cluster://h:1?timeout=3", "unknown option"),
        ("redis+sentinel://h:1/m?db=x", "db must be a number"),
    ],
)
def test_a_malformed_url_is_refused_with_what_is_wrong(url, problem):
    with pytest.raises(ValueError, match=problem):
        parse(url)


def test_the_password_never_appears_in_the_error():
    with pytest.raises(SettingsError) as error:
        Env({"REDIS_URL": "redis+cluster://:hunter2@h"}).redis_url("REDIS_URL")
    assert "REDIS_URL" in str(error.value) and "hunter2" not in str(error.value)


async def test_each_topology_gets_its_redis_py_client():
    node, cluster = open_redis("redis://127.0.0.1:1/0"), open_redis("redis+cluster://127.0.0.1:1,127.0.0.1:2")
    sentinel = open_redis("redis+sentinel://127.0.0.1:1/m")
    try:
        assert isinstance(node, Redis) and isinstance(sentinel, Redis) and isinstance(cluster, RedisCluster)
        assert sentinel.connection_pool.service_name == "m"
    finally:
        for client in (node, cluster, sentinel):
            await client.aclose()
