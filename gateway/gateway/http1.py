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
import re
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
            connection.abort()
            nothing_read = not isinstance(error, asyncio.IncompleteReadError) or not error.partial
            if reused and nothing_read and not callable(body):
                # The server closed this idle connection as we reused it: it saw nothing, so resend once.
                connection, _ = await self._connection(fresh=True)
                try:
                    answer, keep_alive = await self._send_and_read(connection, method, target, headers, body)
                except BaseException:
                    connection.abort()
                    raise
            else:
                raise BrokenExchange(f"connection lost: {type(error).__name__}") from error
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
                    # An upstream that stops reading would otherwise hold this request (and the client) forever.
                    async with asyncio.timeout(self._read_timeout):
                        await writer.drain()
            writer.write(b"0\r\n\r\n")
        async with asyncio.timeout(self._read_timeout):
            return await read_answer(connection.reader, method)


async def read_answer(reader: asyncio.StreamReader, method: str) -> tuple[Answer, bool]:
    """One HTTP/1.1 response (skipping interim 1xx ones) and whether the connection stays open.

    Anything ambiguous or malformed is a BrokenExchange (a 502), never relayed: a
    body length two readers could disagree on would desynchronise the pooled
    connection, and a control character in a header would be refused by our own
    server only after the handler returned.
    """
    interim = False
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise BrokenExchange("response head too large") from None
        except (ConnectionError, asyncio.IncompleteReadError) as error:
            if interim:  # the upstream has started answering: the request may have run
                raise BrokenExchange(f"connection lost: {type(error).__name__}") from error
            raise
        status, reason, headers, framing, close = _parse_head(head)
        if status >= 200:
            break
        interim = True
    try:
        if method == "HEAD" or status in _NO_BODY_STATUSES:
            body = b""
        elif framing == "chunked":
            body = await _read_chunked(reader)
        elif isinstance(framing, int):
            if framing > MAX_RESPONSE_BYTES:
                raise BrokenExchange("response too large")
            body = await reader.readexactly(framing)
        else:
            body = await _read_to_end(reader)  # delimited by the server closing the connection
            close = True
    except asyncio.LimitOverrunError:
        raise BrokenExchange("chunk line too long") from None
    except (ConnectionError, asyncio.IncompleteReadError) as error:
        # The head arrived, so the upstream ran the request: never resent, whatever the method.
        raise BrokenExchange(f"connection lost mid-answer: {type(error).__name__}") from error
    return Answer(status, reason, headers, body), not close


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FORBIDDEN_IN_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_DIGITS = re.compile(r"[0-9]+")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,15}")
_STATUS = re.compile(r"[1-9][0-9][0-9]")


def _parse_head(head: bytes) -> tuple[int, str, list[tuple[str, str]], int | str | None, bool]:
    """Status, reason, headers, framing (a length, "chunked" or None: to the close) and whether to close."""
    lines = head[:-4].decode("utf-8", "surrogateescape").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    code, _, reason = rest.partition(" ")
    if version not in ("HTTP/1.1", "HTTP/1.0") or not _STATUS.fullmatch(code) or _FORBIDDEN_IN_VALUE.search(reason):
        raise BrokenExchange("not an HTTP/1.x status line")
    headers: list[tuple[str, str]] = []
    lengths: set[str] = set()
    codings: list[str] = []
    close = version == "HTTP/1.0"
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        value = value.strip(" \t")
        if not colon or not _TOKEN.fullmatch(name) or _FORBIDDEN_IN_VALUE.search(value):
            raise BrokenExchange("malformed header line")
        headers.append((name, value))
        lowered = name.lower()
        if lowered == "content-length":
            if not _DIGITS.fullmatch(value):
                raise BrokenExchange("bad Content-Length")
            lengths.add(value.lstrip("0") or "0")
        elif lowered == "transfer-encoding":
            codings += [coding.strip().lower() for coding in value.split(",") if coding.strip()]
        elif lowered == "connection":
            tokens = {token.strip() for token in value.lower().split(",")}
            close = "close" in tokens or (close and "keep-alive" not in tokens)
    if codings:
        # Only `chunked` is decoded here; a body in another transfer coding cannot be relayed as is.
        if codings != ["chunked"]:
            raise BrokenExchange("unsupported transfer coding")
        # Transfer-Encoding overrides Content-Length (RFC 9112 §6.3), but not on a connection we reuse.
        return int(code), reason, headers, "chunked", close or bool(lengths)
    if len(lengths) > 1:
        raise BrokenExchange("conflicting Content-Length")
    return int(code), reason, headers, int(lengths.pop()) if lengths else None, close


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
        size_line = (await reader.readuntil(b"\r\n"))[:-2].split(b";", 1)[0].strip(b" \t")
        if not _HEX.fullmatch(size_line):
            raise BrokenExchange("bad chunk size")
        size = int(size_line, 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers: not relayed
            return b"".join(parts)
        total += size
        if total > MAX_RESPONSE_BYTES:
            raise BrokenExchange("response too large")
        chunk = await reader.readexactly(size + 2)
        if chunk[-2:] != b"\r\n":
            raise BrokenExchange("chunk not followed by CRLF")
        parts.append(chunk[:-2])
