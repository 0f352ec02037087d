"""Work a request starts but does not wait for (so its answer takes the same time whatever the work is).

Tasks are kept referenced until done (asyncio holds only weak references), a
failure is logged instead of vanishing, and the app's shutdown waits a moment
for those still running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

log = logging.getLogger("latchkey.background")


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def spawn(self, work: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            log.error("background task failed", extra={"fields": {"task": task.get_name(), "error": type(error).__name__}},
                      exc_info=(type(error), error, error.__traceback__))

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait (up to `timeout`) for what is running; cancel the rest."""
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


def settle_ctx(background_of: Callable[[Any], Background]):
    """A `cleanup_ctx` entry: on shutdown, running background work gets a moment to finish."""

    async def ctx(app) -> AsyncIterator[None]:
        yield
        await background_of(app).settle()

    return ctx
