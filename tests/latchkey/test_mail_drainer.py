"""The mail drainer stops when its service stops, even when a client library reports the cancel as its own error."""

from __future__ import annotations

import asyncio

import redis.asyncio as redis

from latchkey import mail


class CancelReportedAsRedisError:
    """An outbox whose store call turns a cancel into its own error, as a client library may (aiosmtplib does)."""

    def __init__(self) -> None:
        self.takes = 0

    async def take(self):
        self.takes += 1
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            raise redis.ConnectionError("Connection closed by server.") from None

    async def wait_for_work(self, timeout: float) -> None:
        await asyncio.sleep(timeout)


async def test_a_cancel_turned_into_a_redis_error_still_ends_the_drainer():
    outbox = CancelReportedAsRedisError()
    task = asyncio.create_task(mail.drain(outbox, sender=None, idle_poll=0.01))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)  # inside take()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=1.0)
    assert task in done and task.cancelled()  # not living on to take another service's messages
    assert outbox.takes == 1
