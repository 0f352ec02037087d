"""Opt-in probes of what stalls a process's event loop (`LOOP_PROBE=true`), exported on /metrics.

A request that waits behind something else on the loop (a blocking call, a
long synchronous stretch, a garbage collection) is slow for reasons its own
handler does not show. Two cheap probes say how long the loop was stalled:

- a timer due every `interval` records how late it ran: that lateness is how
  long any ready callback waited at that moment
  (`latchkey_event_loop_lag_seconds`). uvloop's timers have 1 ms resolution,
  so an idle loop reads up to about 1 ms;
- `gc.callbacks` time every collection (`latchkey_gc_pause_seconds`, by
  generation): a collection stops the whole interpreter.

Both are off unless configured; when on they cost one timer wake-up per
interval and two callbacks per collection, nothing on a request's path.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from prometheus_client import Histogram

_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5)

LOOP_LAG = Histogram("latchkey_event_loop_lag_seconds", "How late a periodic event-loop timer ran", buckets=_BUCKETS)
GC_PAUSE = Histogram("latchkey_gc_pause_seconds", "Garbage collection pauses", ["generation"], buckets=_BUCKETS)

DEFAULT_INTERVAL = 0.01


async def sample_lag(interval: float, observe: Callable[[float], None], clock: Callable[[], float] = time.perf_counter) -> None:
    """Forever: sleep `interval`, observe how much later than asked the loop woke us."""
    while True:
        due = clock() + interval
        await asyncio.sleep(interval)
        observe(max(0.0, clock() - due))


class GcTimer:
    """A `gc.callbacks` entry timing each collection into GC_PAUSE."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._started = 0.0
        self._children = {generation: GC_PAUSE.labels(str(generation)) for generation in range(3)}

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = self._clock()
        else:
            self._children[info["generation"]].observe(self._clock() - self._started)


def probe_ctx(interval: float = DEFAULT_INTERVAL) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup_ctx entry running both probes for the app's life."""

    async def ctx(_app: web.Application) -> AsyncIterator[None]:
        timer = GcTimer()
        gc.callbacks.append(timer)
        task = asyncio.create_task(sample_lag(interval, LOOP_LAG.observe), name="latchkey-loop-probe")
        try:
            yield
        finally:
            task.cancel()
            gc.callbacks.remove(timer)

    return ctx


def install(app: web.Application, enabled: bool) -> None:
    if enabled:
        app.cleanup_ctx.append(probe_ctx())
