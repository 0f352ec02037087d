"""The Redis client every process uses (redis-py through latchkey.redis_client), against the real Redis.

What the hand-written pipelined client was tested for still matters on the
library: a reply handed to the wrong caller would give one user another's
session, so every answer must be the caller's own through cancellations, a
killed connection and a timed-out command (redis-py has had exactly that bug,
CVE-2023-28858).
"""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from latchkey.redis_client import open_redis


@pytest.fixture
async def client(servers):
    client_ = open_redis(servers["redis"], timeout=1.0)
    yield client_
    await client_.aclose()


async def test_replies_stay_with_their_callers_through_cancellations_and_a_killed_connection(client, redis_client):
    await redis_client.mset({f"k{i}": f"value-{i}" for i in range(300)})
    for round_ in range(3):
        tasks = [asyncio.create_task(client.get(f"k{i}")) for i in range(300)]
        await asyncio.sleep(0)  # the commands are on their way
        for task in tasks[round_::5]:
            task.cancel()
        if round_ == 1:
            await redis_client.client_kill_filter(_type="normal", skipme=True)
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for i, result in enumerate(results):
            if isinstance(result, bytes):
                assert result == f"value-{i}".encode()
            else:
                # a loaded machine may also time some out: an error, never someone else's answer
                assert isinstance(result, asyncio.CancelledError | RedisConnectionError | RedisTimeoutError), result
    assert await asyncio.gather(*(client.get(f"k{i}") for i in range(50))) == [f"value-{i}".encode() for i in range(50)]


async def test_a_timed_out_command_never_shifts_its_reply_to_a_later_caller(client, redis_client):
    await redis_client.mset({"first": "1", "second": "2"})
    assert await client.get("first") == b"1"  # connected
    await redis_client.execute_command("CLIENT", "PAUSE", 1500, "ALL")
    with pytest.raises(RedisTimeoutError):
        await client.get("first")  # its reply comes once the pause ends, to nobody
    await asyncio.sleep(0.7)
    assert await client.get("second") == b"2"
    assert await client.get("first") == b"1"


async def test_it_reconnects_after_its_connections_are_killed(client, redis_client):
    await client.set("a", "1")
    assert await redis_client.client_kill_filter(_type="normal", skipme=True) >= 1
    await asyncio.sleep(0.05)  # the close reaches our side
    assert await client.get("a") == b"1"
