"""Faults under load: a dependency that stops, freezes or dies gives 503/504 with Retry-After, never a 500.

Each fault is done to a real process of a stack of its own (see stack.py)
while three workers keep calling an account route, an organization route and
the password login. During the fault every answer is a 200 or a 503/504 that
says when to come back; a few seconds after the fault ends, every route
answers 200 again with nothing restarted by hand; the user is not locked out
by the logins that failed; and the session opened before the fault still
works (Redis keeps it in its append-only file across a restart).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import aiohttp
import pytest

from .load import Load
from .stack import Stack, running_stack

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]

FAULT_SECONDS = 4.0  # longer than DEPENDENCY_TIMEOUT (3 s), so requests that wait on it do time out
FREEZE_SECONDS = 6.0  # longer than the clients' own socket timeouts (5 s), which must not be what answers
SLOWEST_ANSWER = 5.0  # a hang answers 503 after DEPENDENCY_TIMEOUT, with room for a loaded machine
RECOVERY_LIMIT = 10.0


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack() as running:
        yield running


async def _sesskey(stack: Stack) -> str:
    async with aiohttp.ClientSession() as http:
        body = {"email": "demo@example.com", "password": stack.password}
        async with http.post(stack.gateway + "/api/1/auth/session", json=body) as response:
            assert response.status == 200, await response.text()
            return (await response.json())["data"]["sesskey"]


async def _redis_restart(stack: Stack) -> None:
    await asyncio.to_thread(stack.redis.stop)
    await asyncio.sleep(FAULT_SECONDS)
    await asyncio.to_thread(stack.redis.start)


async def _redis_frozen(stack: Stack) -> None:
    with stack.frozen(stack.redis):
        await asyncio.sleep(FREEZE_SECONDS)


async def _postgres_restart(stack: Stack) -> None:
    await asyncio.to_thread(stack.postgres.stop)
    await asyncio.sleep(FAULT_SECONDS)
    await asyncio.to_thread(stack.postgres.start)


async def _postgres_frozen(stack: Stack) -> None:
    with stack.frozen(stack.postgres):
        await asyncio.sleep(FREEZE_SECONDS)


async def _service_killed(stack: Stack) -> None:
    stack.service_process("org_provisioning").kill()  # the supervisor must bring it back
    await asyncio.sleep(0.5)


FAULTS = {
    "redis stopped and restarted": _redis_restart,
    "redis frozen (SIGSTOP)": _redis_frozen,
    "postgres stopped and restarted": _postgres_restart,
    "postgres frozen (SIGSTOP)": _postgres_frozen,
    "org-provisioning killed (SIGKILL)": _service_killed,
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_fault_under_load_gives_only_503_or_504_and_heals_by_itself(stack, fault):
    load = Load(stack.gateway, await _sesskey(stack), stack.org_key, stack.password)
    worker = asyncio.create_task(load.run())
    log_mark = len(stack.up.lines)
    try:
        await asyncio.sleep(0.5)
        started = time.monotonic()
        await FAULTS[fault](stack)
        ended = time.monotonic()
        recovered = await load.wait_all_ok(ended, timeout=RECOVERY_LIMIT)
        await asyncio.sleep(0.3)
    finally:
        load.stop()
        await worker
    during = [answer for answer in load.since(started) if answer.at <= ended + recovered]
    statuses = sorted({answer.status for answer in during})
    slowest = max(answer.seconds for answer in during)
    print(f"\nFAULT | {fault} | {statuses} | {recovered:.1f}s | {sum(a.status == 500 for a in during)} | slowest {slowest:.1f}s")
    assert set(statuses) <= {200, 503, 504}, load.summary(started)
    assert all(answer.retry_after for answer in during if answer.status in (503, 504))
    assert slowest < SLOWEST_ANSWER, "a hang must answer 503 within DEPENDENCY_TIMEOUT, not wait it out"
    # After it: the session opened before the fault and the password login both work (nobody locked, nothing lost).
    after = load.since(ended + recovered)
    assert after and all(answer.status == 200 for answer in after), load.summary(ended + recovered)
    # An expected outage is a WARNING line, never an error with a traceback.
    errors = [line for line in stack.up.lines[log_mark:] if _is_error(line)]
    assert errors == []


def _is_error(line: str) -> bool:
    try:
        entry = json.loads(line)
    except ValueError:
        return "Traceback" in line
    return isinstance(entry, dict) and entry.get("level") in ("error", "critical")


async def test_correct_logins_during_a_database_outage_leave_the_user_unlocked(stack):
    """Each login reserves a lockout place before the PostgreSQL read; an outage must give it back."""
    body = {"email": "demo@example.com", "password": stack.password}
    async with aiohttp.ClientSession() as http:
        await asyncio.to_thread(stack.postgres.stop)
        try:
            for _ in range(8):  # more than LOGIN_MAX_FAILURES (5)
                async with http.post(stack.gateway + "/api/1/auth/session", json=body) as response:
                    assert response.status == 503 and "Retry-After" in response.headers
        finally:
            await asyncio.to_thread(stack.postgres.start)
        deadline = time.monotonic() + RECOVERY_LIMIT
        while True:  # the pools reconnect within moments; until then 503, and never 429
            async with http.post(stack.gateway + "/api/1/auth/session", json=body) as response:
                if response.status != 503 or time.monotonic() > deadline:
                    assert response.status == 200, await response.text()
                    break
            await asyncio.sleep(0.2)
