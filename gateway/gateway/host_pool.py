"""Keep-alive connections to one upstream instance: reuse, the resend rule, the connection cap.

Why not aiohttp's client here: forwarding is the gateway's hot path, and
aiohttp's ClientSession costs about as much CPU per request as the whole
service behind it (cookie jar, redirects, tracing, URL and header
normalisation we do not need when relaying bytes); see bench/README.md for the
A/B figures. aiohttp's ClientSession (keys.HTTP) still serves the services'
internal APIs. One request at a time per connection, no TLS to upstreams (the
services sit on a private network), answers read whole (service answers are
small JSON documents; `http1.MAX_RESPONSE_BYTES` bounds them).

Resending (RFC 9110 §9.2.2): a reused keep-alive connection may have been
closed by the server just as we wrote to it. When it ends before the first
byte of an answer, the request is sent once more on a fresh connection only if
its method is idempotent and its body can be sent again; a POST or PATCH is a
502 instead, since the service may have acted on it.

Cap: at most `max_connections` connections (busy and idle) per instance.
A request that finds them all busy waits up to the connect timeout for one,
then is `Saturated` (the caller tries another instance, then answers 503).
"""

from __future__ import annotations

import asyncio
import time

from .http1 import MAX_HEAD_BYTES, Answer, Body, BrokenExchange, NothingReceived, read_answer, write_request

IDLE_SECONDS = 30.0  # under aiohttp's 75 s server keep-alive, so we rarely reuse a closing connection
MAX_IDLE = 256
# RFC 9110 §9.2.2: methods whose repetition has the same effect as one request.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})


class Refused(Exception):
    """The upstream did not accept the connection: nothing was sent."""


class Saturated(Exception):
    """Every connection this instance may have is busy: nothing was sent."""


class _Connection:
    __slots__ = ("reader", "writer", "idle_since")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = 0.0

    def usable(self, now: float) -> bool:
        return (
            not self.reader.at_eof()
            and not self.writer.is_closing()
            and not self.unsolicited()
            and now - self.idle_since < IDLE_SECONDS
        )

    def unsolicited(self) -> bool:
        """Bytes past the answer: read as the next request's answer they would reach another caller."""
        return bool(self.reader._buffer)  # StreamReader has no public way to ask; its buffer is a bytearray

    def close(self) -> None:
        self.writer.close()

    def abort(self) -> None:
        """Close now, dropping anything unsent: after a failure no byte of it is worth delivering."""
        self.writer.transport.abort()


def may_resend(method: str, body: Body) -> bool:
    """Whether a request the upstream may have received can be sent again automatically."""
    return method in IDEMPOTENT_METHODS and not callable(body)  # a streamed body is consumed once


class HostPool:
    def __init__(
        self, host: str, port: int, *, connect_timeout: float, read_timeout: float, max_connections: int = 256
    ) -> None:
        self.host = host
        self.port = port
        self._authority = f"{host}:{port}"
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(max_connections)

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()

    async def exchange(self, method: str, target: str, headers: list[tuple[str, str]], body: Body) -> Answer:
        if self._slots.locked():  # wait_for costs a task: only when there is something to wait for
            try:
                await asyncio.wait_for(self._slots.acquire(), self._connect_timeout)
            except TimeoutError:
                raise Saturated() from None
        else:
            await self._slots.acquire()
        try:
            return await self._exchange(method, target, headers, body)
        finally:
            self._slots.release()

    async def _exchange(self, method: str, target: str, headers: list[tuple[str, str]], body: Body) -> Answer:
        connection, reused = await self._connection()
        try:
            answer, keep_alive = await self._send_and_read(connection, method, target, headers, body)
        except (NothingReceived, ConnectionError) as error:
            connection.abort()
            if not (reused and may_resend(method, body)):
                raise BrokenExchange(f"connection lost before an answer: {type(error).__name__}") from error
            # The server closed this idle connection as we reused it; repeating an idempotent request is safe.
            connection, _ = await self._connection(fresh=True)
            try:
                answer, keep_alive = await self._send_and_read(connection, method, target, headers, body)
            except (NothingReceived, ConnectionError) as error:
                connection.abort()
                raise BrokenExchange(f"connection lost before an answer: {type(error).__name__}") from error
            except BaseException:
                connection.abort()
                raise
        except BaseException:
            connection.abort()
            raise
        if keep_alive and len(self._idle) < MAX_IDLE and not connection.unsolicited():
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()
        return answer

    async def _connection(self, *, fresh: bool = False) -> tuple[_Connection, bool]:
        now = time.monotonic()
        while self._idle and not fresh:
            connection = self._idle.pop()
            if connection.usable(now):
                return connection, True
            connection.close()
        try:
            async with asyncio.timeout(self._connect_timeout):
                reader, writer = await asyncio.open_connection(self.host, self.port, limit=MAX_HEAD_BYTES)
        except OSError as error:
            raise Refused() from error
        return _Connection(reader, writer), False

    async def _send_and_read(
        self, connection: _Connection, method: str, target: str, headers: list[tuple[str, str]], body: Body
    ) -> tuple[Answer, bool]:
        await write_request(
            connection.writer, self._authority, method, target, headers, body, drain_timeout=self._read_timeout
        )
        async with asyncio.timeout(self._read_timeout):
            return await read_answer(connection.reader, method)
