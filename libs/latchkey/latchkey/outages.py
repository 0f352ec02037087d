"""A dependency that is down is a 503 with Retry-After, never a 500: one mapping for every process.

PostgreSQL or Redis refusing connections, restarting, shutting down, failing
over to a read-only node, out of connections or memory, or a socket reset
mid-answer: each is an outage the client can wait out, not a defect. The
middleware turns them into `ServiceUnavailable` (rendered by the error
middleware in the route's own envelope) and writes one WARNING line naming
the dependency and the error class, with the request id from the log
context; no traceback, since an expected outage is not a bug to debug.

A hang is the worst outage: nothing fails, everything waits. So a service
answers within a deadline (`DEPENDENCY_TIMEOUT`, well below the gateway's read
timeout): a frozen PostgreSQL or Redis, or a pool with no free connection,
gives a 503 after a few seconds instead of a 504 after fifteen. Time spent
computing (password hashes on a busy machine: slow is not down) or waiting
on a call bounded by its own timeout (an identity provider) does not count
against it (`deadline_paused`).

The mapping catches redis-py's and asyncpg's own exception classes, so it does
not depend on how the clients are built (one node, Sentinel, Cluster).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext

import asyncpg
from aiohttp import web

from .errors import ServiceUnavailable
from .redis_client import UNAVAILABLE as REDIS_UNAVAILABLE

log = logging.getLogger("latchkey.outages")

POSTGRES_DOWN: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08, and a connection that closed under us
    asyncpg.exceptions.OperatorInterventionError,  # class 57: admin or crash shutdown, starting up, query cancelled
    asyncpg.exceptions.InsufficientResourcesError,  # class 53: too many connections, disk or memory full
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # a write reached a standby during a failover
    asyncpg.exceptions.TransactionRollbackError,  # serialization failure, deadlock: safe to try again
    asyncpg.exceptions.InternalClientError,  # the protocol broke off mid-answer (seen during a shutdown)
)
# Refused, reset, timed out, failing over, out of memory, a Cluster without a node for the slot.
REDIS_DOWN: tuple[type[BaseException], ...] = REDIS_UNAVAILABLE
# Below the clients: a refused or reset socket, a name that does not resolve, a deadline passed.
NETWORK_DOWN: tuple[type[BaseException], ...] = (OSError, TimeoutError)
DEPENDENCY_DOWN = POSTGRES_DOWN + REDIS_DOWN + NETWORK_DOWN

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def dependency_of(error: BaseException) -> str:
    if isinstance(error, POSTGRES_DOWN):
        return "postgres"
    if isinstance(error, REDIS_DOWN):
        return "redis"
    return "network"


def report(error: BaseException, *, deadline_passed: bool = False) -> ServiceUnavailable:
    """The one WARNING line of an outage, and the error to raise for it."""
    fields = {"dependency": "deadline" if deadline_passed else dependency_of(error), "error": type(error).__name__}
    log.warning("dependency unavailable", extra={"fields": fields})
    return ServiceUnavailable()


def dependency_down_middleware(deadline: float | None) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Outages become 503 (place it inside the error middleware, which renders it); `deadline` bounds every request."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            if deadline is None:
                return await handler(request)
            return await _within(deadline, handler(request))
        except DEPENDENCY_DOWN as error:
            raise report(error) from None

    return middleware


class Deadline:
    """When a request stops waiting; the clock stops while it computes rather than waits (a password hash)."""

    def __init__(self, budget: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._at = self._loop.time() + budget
        self._paused = 0

    def left(self) -> float:
        if self._paused:
            return _POLL  # computing: look again shortly
        return self._at - self._loop.time()

    @contextmanager
    def paused(self) -> Iterator[None]:
        started = self._loop.time()
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1
            self._at += self._loop.time() - started


_POLL = 0.05


_DEADLINE: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("latchkey_deadline", default=None)


@asynccontextmanager
async def deadline_paused() -> AsyncIterator[None]:
    """Work the request deadline does not count: CPU work (argon2 on a busy machine is slow, not down), and
    calls with a bound of their own (an identity provider, within OIDC_PROVIDER_TIMEOUT per call)."""
    deadline = _DEADLINE.get()
    with deadline.paused() if deadline is not None else nullcontext():
        yield


async def _within(budget: float, answer: Awaitable[web.StreamResponse]) -> web.StreamResponse:
    """The handler's answer, or a 503 once its deadline passes.

    Not `asyncio.timeout`: that waits for the cancelled handler to unwind, and
    a handler holding a pooled connection to a frozen PostgreSQL unwinds only
    when the server answers again (asyncpg waits for its cancel request, then
    resets the connection). So the late handler is cancelled and left to
    finish on its own while the client gets its answer now.
    """
    deadline = Deadline(budget)
    token = _DEADLINE.set(deadline)
    try:
        task = asyncio.ensure_future(answer)  # a copy of the context (the deadline, the request id for its logs)
    finally:
        _DEADLINE.reset(token)
    try:
        while not task.done() and (left := deadline.left()) > 0:
            await asyncio.wait({task}, timeout=left)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not task.done():
        task.cancel()
        task.add_done_callback(_forget)
        raise report(TimeoutError(), deadline_passed=True)
    return task.result()


def _forget(task: asyncio.Task) -> None:
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it: the client had its 503 long ago
