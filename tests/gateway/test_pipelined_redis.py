"""The gateway's auto-pipelined Redis connection, against the real Redis."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from gateway.pipelined_redis import PipelinedRedis


@pytest.fixture
async def pipelined(servers):
    client = PipelinedRedis(servers["redis"])
    yield client
    await client.aclose()


async def test_concurrent_callers_each_get_their_own_reply(pipelined, redis_client):
    await redis_client.mset({f"k{i}": f"value-{i}" for i in range(200)})
    replies = await asyncio.gather(*(pipelined.get(f"k{i}") for i in range(200)))
    assert replies == [f"value-{i}".encode() for i in range(200)]


async def test_replies_have_redis_py_types(pipelined, redis_client):
    assert await pipelined.get("missing") is None
    assert await pipelined.set("a", "1", ex=60) is True
    assert 0 < await redis_client.ttl("a") <= 60
    assert await pipelined.mget("a", "missing") == [b"1", None]
    assert await pipelined.getex("a", px=5000) == b"1"
    assert 0 < await redis_client.pttl("a") <= 5000
    assert await pipelined.eval("return {KEYS[1], ARGV[1], 7}", 1, "x", "y") == [b"x", b"y", 7]
    assert await pipelined.delete("a", "missing") == 1
    assert await pipelined.ping()
    with pytest.raises(ResponseError):
        await pipelined.execute_command("NOSUCHCOMMAND")
    assert await pipelined.get("missing") is None  # an error reply does not desynchronise the others


async def test_it_reconnects_after_the_connection_is_killed(pipelined, redis_client):
    await pipelined.set("a", "1")
    assert await redis_client.client_kill_filter(_type="normal", skipme=True) >= 1
    await asyncio.sleep(0.05)  # the close reaches our side
    assert await pipelined.get("a") == b"1"


async def test_the_database_in_the_url_is_selected(servers, redis_client):
    client = PipelinedRedis(servers["redis"].rsplit("/", 1)[0] + "/3")
    try:
        await client.set("only-in-3", "x")
        assert await redis_client.get("only-in-3") is None
        assert await client.get("only-in-3") == b"x"
        await client.delete("only-in-3")
    finally:
        await client.aclose()


async def test_replies_stay_with_their_callers_through_cancellations_and_a_killed_connection(pipelined, redis_client):
    # A reply handed to the wrong caller would give one user another's session: every
    # answer that arrives must be the caller's own, whatever happens around it.
    await redis_client.mset({f"k{i}": f"value-{i}" for i in range(600)})
    await pipelined.ping()
    for round_ in range(3):
        tasks = [asyncio.create_task(pipelined.get(f"k{i}")) for i in range(600)]
        await asyncio.sleep(0)  # the commands are written
        for task in tasks[round_::5]:
            task.cancel()
        if round_ == 1:
            await redis_client.client_kill_filter(_type="normal", skipme=True)
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for i, result in enumerate(results):
            if isinstance(result, bytes):
                assert result == f"value-{i}".encode()
            else:
                assert isinstance(result, asyncio.CancelledError | RedisConnectionError), result
        assert sum(isinstance(result, bytes) for result in results) >= (0 if round_ == 1 else 400)
    assert await asyncio.gather(*(pipelined.get(f"k{i}") for i in range(50))) == [f"value-{i}".encode() for i in range(50)]


async def test_a_timed_out_command_never_shifts_its_reply_to_a_later_caller(servers, redis_client):
    await redis_client.mset({"first": "1", "second": "2"})
    client = PipelinedRedis(servers["redis"], timeout=0.2)
    try:
        await client.ping()
        await redis_client.execute_command("CLIENT", "PAUSE", 400, "ALL")
        with pytest.raises(RedisTimeoutError):
            await client.get("first")  # its reply comes once the pause ends, to nobody
        await asyncio.sleep(0.3)
        assert await client.get("second") == b"2"
        assert await client.get("first") == b"1"
    finally:
        await client.aclose()


async def test_a_caller_cancelled_while_connecting_leaves_no_connection_behind(servers, redis_client):
    client = PipelinedRedis(servers["redis"].rsplit("/", 1)[0] + "/3")  # SELECT runs before first use
    try:
        before = len(await redis_client.client_list())
        await redis_client.execute_command("CLIENT", "PAUSE", 300, "ALL")
        attempt = asyncio.create_task(client.get("x"))
        await asyncio.sleep(0.1)  # connected, waiting for the SELECT reply
        attempt.cancel()
        await asyncio.sleep(0.3)
        assert await client.get("x") is None
        assert len(await redis_client.client_list()) == before + 1
    finally:
        await client.aclose()


async def test_a_reply_nobody_asked_for_is_never_handed_to_the_next_caller(pipelined, redis_client):
    # A pushed message (here a pub/sub one) has no caller; matched first-in first-out it
    # would become the answer to whoever asks next.
    await redis_client.set("k", "v")
    await pipelined.execute_command("SUBSCRIBE", "news")
    await redis_client.publish("news", "someone else's")
    await asyncio.sleep(0.05)
    assert await pipelined.get("k") == b"v"
