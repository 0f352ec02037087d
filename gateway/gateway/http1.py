"""A lean HTTP/1.1 keep-alive client for forwarding, on asyncio streams.

Why not aiohttp's client here: forwarding is the gateway's hot path, and
aiohttp's ClientSession costs about as much CPU per request as the whole
service behind it (cookie jar, redirects, tracing, URL and header
normalisation we do not need when relaying bytes). This client writes the
request head we built, reads the answer's head and body, and nothing else.
aiohttp's ClientSession (keys.HTTP) still serves the services' internal APIs.

Scope, on purpose: one request at a time per connection, no TLS to upstreams
(the services sit on a private network), answers read whole (service answers
are small JSON documents; `MAX_RESPONSE_BYTES` bounds them). Request bodies
are sent as bytes or streamed as they arrive.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

MAX_HEAD_BYTES = 64 * 1024
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
IDLE_SECONDS = 30.0  # under aiohttp's 75 s server keep-alive, so we rarely reuse a closing connection
MAX_IDLE = 256
_NO_BODY_STATUSES = frozenset({204, 304})

Body = bytes | Callable[[], AsyncIterator[bytes]] | None


class Refused(Exception):
    """The upstream did not accept the connection: nothing was sent."""


class BrokenExchange(Exception):
    """The upstream broke the exchange or answered something that is not HTTP/1.1."""


@dataclass(slots=True)
class Answer:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


class _Connection:
    __slots__ = ("reader", "writer", "idle_since")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = 0.0

    def usable(self, now: float) -> bool:
        return not self.reader.at_eof() and not self.writer.is_closing() and now - self.idle_since < IDLE_SECONDS

    def close(self) -> None:
        self.writer.close()


class HostPool:
    """Keep-alive connections to one upstream instance."""

    def __init__(self, host: str, port: int, *, connect_timeout: float, read_timeout: float) -> None:
        self.host = host
        self.port = port
        self._authority = f"{host}:{port}"
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._idle: list[_Connection] = []

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()

    async def exchange(self, method: str, target: str, headers: list[tuple[str, str]], body: Body) -> Answer:
        connection, reused = await self._connection()
        try:
            answer, keep_alive = await self._send_and_read(connection, method, target, headers, body)
        except (ConnectionError, asyncio.IncompleteReadError) as error:
            connection.close()
            nothing_read = not isinstance(error, asyncio.IncompleteReadError) or not error.partial
            if reused and nothing_read and not callable(body):
                # The server closed this idle connection as we reused it: it saw nothing, so resend once.
                connection, _ = await self._connection(fresh=True)
                try:
                    answer, keep_alive = await self._send_and_read(connection, method, target, headers, body)
                except BaseException:
                    connection.close()
                    raise
            else:
                raise BrokenExchange(f"connection lost: {type(error).__name__}") from error
        except BaseException:
            connection.close()
            raise
        if keep_alive and len(self._idle) < MAX_IDLE:
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
        writer = connection.writer
        lines = [f"{method} {target} HTTP/1.1\r\nHost: {self._authority}\r\n"]
        lines.extend(f"{name}: {value}\r\n" for name, value in headers)
        if isinstance(body, bytes):
            lines.append(f"Content-Length: {len(body)}\r\n\r\n")
            writer.write("".join(lines).encode("utf-8", "surrogateescape") + body)
        elif body is None:
            lines.append("\r\n")
            writer.write("".join(lines).encode("utf-8", "surrogateescape"))
        else:
            lines.append("Transfer-Encoding: chunked\r\n\r\n")
            writer.write("".join(lines).encode("utf-8", "surrogateescape"))
            async for chunk in body():
                if chunk:
                    writer.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
                    await writer.drain()
            writer.write(b"0\r\n\r\n")
        async with asyncio.timeout(self._read_timeout):
            return await read_answer(connection.reader, method)


async def read_answer(reader: asyncio.StreamReader, method: str) -> tuple[Answer, bool]:
    """One HTTP/1.1 response (skipping interim 1xx ones) and whether the connection stays open."""
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise BrokenExchange("response head too large") from None
        status, reason, headers, length, chunked, close = _parse_head(head)
        if status >= 200:
            break
    if method == "HEAD" or status in _NO_BODY_STATUSES:
        body = b""
    elif chunked:
        body = await _read_chunked(reader)
    elif length is not None:
        if length > MAX_RESPONSE_BYTES:
            raise BrokenExchange("response too large")
        body = await reader.readexactly(length)
    else:
        body = await _read_to_end(reader)  # delimited by the server closing the connection
        close = True
    return Answer(status, reason, headers, body), not close


def _parse_head(head: bytes) -> tuple[int, str, list[tuple[str, str]], int | None, bool, bool]:
    lines = head[:-4].decode("utf-8", "surrogateescape").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise BrokenExchange("not an HTTP/1.x status line")
    headers: list[tuple[str, str]] = []
    length: int | None = None
    chunked = False
    close = version == "HTTP/1.0"
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise BrokenExchange("malformed header line")
        value = value.strip()
        headers.append((name, value))
        lowered = name.lower()
        if lowered == "content-length":
            if not value.isdigit():
                raise BrokenExchange("bad Content-Length")
            length = int(value)
        elif lowered == "transfer-encoding":
            chunked = value.lower().endswith("chunked")
        elif lowered == "connection":
            tokens = value.lower()
            close = "close" in tokens or (close and "keep-alive" not in tokens)
    return int(code), reason, headers, length, chunked, close


async def _read_to_end(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    total = 0
    while chunk := await reader.read(64 * 1024):
        total += len(chunk)
        if total > MAX_RESPONSE_BYTES:
            raise BrokenExchange("response too large")
        parts.append(chunk)
    return b"".join(parts)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise BrokenExchange("bad chunk size") from None
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers: not relayed
            return b"".join(parts)
        total += size
        if total > MAX_RESPONSE_BYTES:
            raise BrokenExchange("response too large")
        parts.append((await reader.readexactly(size + 2))[:-2])
