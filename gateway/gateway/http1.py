"""One HTTP/1.1 exchange on one connection: write the request, read the answer with llhttp.

The answer is parsed by `httptools` (llhttp, the parser of Node.js, which
uvloop's server uses too) in its strict mode, so anything ambiguous or
malformed — two Content-Lengths, Content-Length with Transfer-Encoding, a bare
LF or a control character in a header, obs-fold, a bad chunk — is a
`BrokenExchange` (a 502), never relayed: a body length two readers could
disagree on would desynchronise the pooled connection. What llhttp accepts
but we do not: a transfer coding other than `chunked` (it could not be relayed
as is), framing overhead (chunk extensions, trailers) past `MAX_HEAD_BYTES`,
and bytes past the answer (the connection is then not reused).

The connection pool, the resend rule and the connection cap are in
`host_pool.py`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httptools

MAX_HEAD_BYTES = 64 * 1024
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
_READ_SIZE = 64 * 1024

Body = bytes | Callable[[], AsyncIterator[bytes]] | None


class BrokenExchange(Exception):
    """The upstream broke the exchange or answered something that is not HTTP/1.1."""


class NothingReceived(Exception):
    """The connection ended before the first byte of an answer (the request may or may not have run)."""


@dataclass(slots=True)
class Answer:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


async def write_request(
    writer: asyncio.StreamWriter, authority: str, method: str, target: str, headers: list[tuple[str, str]], body: Body,
    *, drain_timeout: float,
) -> None:
    lines = [f"{method} {target} HTTP/1.1\r\nHost: {authority}\r\n"]
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
                async with asyncio.timeout(drain_timeout):
                    await writer.drain()
        writer.write(b"0\r\n\r\n")


class _Reading:
    """httptools callbacks for one answer (interim 1xx answers are skipped)."""

    parser: httptools.HttpResponseParser | None

    __slots__ = ("parser", "status", "reason", "headers", "body", "size", "complete", "extra", "head_done", "to_eof",
                 "fed", "codings", "keep_alive")

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.reason = ""
        self.headers: list[tuple[str, str]] = []
        self.body: list[bytes] = []
        self.size = 0
        self.complete = False
        self.extra = False  # bytes of another answer after this one
        self.head_done = False
        self.to_eof = False
        self.fed = 0
        self.codings: list[str] = []
        self.keep_alive = False

    def on_message_begin(self) -> None:
        if self.complete:
            raise _Stop()
        self.headers = []
        self.head_done = False

    def on_status(self, status: bytes) -> None:
        self.reason += status.decode("latin-1")

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.head_done:
            return  # a trailer: not relayed
        text = name.decode("latin-1")
        self.headers.append((text, value.decode("utf-8", "surrogateescape")))
        if text.lower() == "transfer-encoding":
            self.codings += [c.strip().lower() for c in value.decode("latin-1").split(",") if c.strip()]

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        if self.status >= 200:
            if self.codings and self.codings != ["chunked"]:
                raise BrokenExchange("unsupported transfer coding")
            self.head_done = True
            lengths = [value for name, value in self.headers if name.lower() == "content-length"]
            if lengths and int(lengths[0]) > MAX_RESPONSE_BYTES:  # llhttp has checked it is one run of digits
                raise BrokenExchange("response too large")
            self.to_eof = not self.codings and not lengths and self.status not in (204, 304)
        else:
            self.reason = ""
            self.codings = []

    def on_body(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > MAX_RESPONSE_BYTES:
            raise BrokenExchange("response too large")
        self.body.append(chunk)

    def on_message_complete(self) -> None:
        if self.status >= 200:
            self.complete = True
            self.keep_alive = self.parser.should_keep_alive()  # llhttp forgets it once this returns

    def feed(self, data: bytes) -> None:
        self.fed += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            raise BrokenExchange("an upgrade is not an answer") from None
        except httptools.HttpParserError as error:
            if isinstance(error.__context__, BrokenExchange):  # raised by a callback above
                raise error.__context__ from None
            if not self.complete:
                raise BrokenExchange(f"malformed answer: {error}") from None
            self.extra = True  # a second answer began (_Stop), or bytes followed a `Connection: close` one
        # Head, chunk lines, extensions and trailers: everything that is not body is bounded.
        if self.fed - self.size > MAX_HEAD_BYTES:
            raise BrokenExchange("response head or framing too large")


class _Stop(Exception):
    """Raised in a callback to stop parsing at the start of a second answer."""


async def read_answer(reader: asyncio.StreamReader, method: str) -> tuple[Answer, bool]:
    """One answer and whether the connection may carry another request.

    `NothingReceived` when the connection ended before any byte of it; once a
    byte arrived the upstream has started answering, so a loss is a BrokenExchange.
    """
    reading = _Reading()
    head_only = method == "HEAD"
    try:
        while not reading.complete and not (head_only and reading.head_done):
            try:
                data = await reader.read(_READ_SIZE)
            except ConnectionError as error:
                if reading.fed == 0:
                    raise NothingReceived() from error
                raise BrokenExchange(f"connection lost mid-answer: {type(error).__name__}") from error
            if not data:
                if reading.fed == 0:
                    raise NothingReceived()
                if reading.head_done and reading.to_eof:
                    break  # delimited by the server closing the connection
                raise BrokenExchange("connection lost mid-answer")
            reading.feed(data)
    finally:
        # The parser holds `reading`'s bound methods as its callbacks: a reference cycle. Broken
        # here, both are freed once the answer is read; left to the garbage collector, they were
        # most of the gateway's cyclic garbage (bench/README.md, issue 16).
        reading.parser = None
    if head_only:
        # llhttp does not know the request was HEAD and would read a body: never reuse this connection.
        keep_alive = False
    else:
        keep_alive = reading.complete and not reading.extra and not reading.to_eof and reading.keep_alive
    return Answer(reading.status, reading.reason, reading.headers, b"".join(reading.body)), keep_alive
