"""Concurrent cache misses for one credential share one verification.

When a client opens 32 connections with the same Basic credential, each
request misses the cache at once; without this, the session service would
run 32 argon2id hashes for the same password. Only the verification in
flight is shared, and it is forgotten the moment it ends, so nothing here
can outlive a revocation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class InFlight(Generic[T]):
    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[T]] = {}

    async def run(self, key: str, verify: Callable[[], Awaitable[T]]) -> T:
        """`verify()`'s result, joining the one already running under `key` if any."""
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(verify())
            self._running[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        # Shielded: a client that goes away does not cancel the others' verification.
        return await asyncio.shield(task)

    def _forget(self, key: str, done: asyncio.Task[T]) -> None:
        if self._running.get(key) is done:
            del self._running[key]
        if not done.cancelled():
            done.exception()  # retrieved here, so a verification nobody waits for any more logs no warning
