"""Concurrent verifications of one credential run once, and a caller leaving does not cancel it."""

from __future__ import annotations

import asyncio

import pytest

from gateway.inflight import InFlight


async def test_callers_of_one_key_share_one_run_and_its_failure():
    runs = 0
    release = asyncio.Event()

    async def verify() -> str:
        nonlocal runs
        runs += 1
        await release.wait()
        raise ValueError("refused")

    flight: InFlight[str] = InFlight()
    callers = [asyncio.ensure_future(flight.run("k", verify)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert runs == 1 and all(isinstance(r, ValueError) for r in results)
    assert await flight.run("k", _answer) == "fresh"  # nothing is remembered once the run ended


async def test_a_cancelled_caller_leaves_the_run_to_the_others():
    release = asyncio.Event()

    async def verify() -> str:
        await release.wait()
        return "ok"

    flight: InFlight[str] = InFlight()
    leaving = asyncio.ensure_future(flight.run("k", verify))
    staying = asyncio.ensure_future(flight.run("k", verify))
    await asyncio.sleep(0)
    leaving.cancel()
    release.set()
    assert await staying == "ok"
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def _answer() -> str:
    return "fresh"
