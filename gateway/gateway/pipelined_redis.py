"""An auto-pipelining Redis connection for the gateway's per-request reads.

Every authenticated request costs one Redis command (GETEX of the session,
GET of a cached key, MGET for Basic). redis-py sends each on a pooled
connection of its own, one write and one read syscall per request, about
30 µs of CPU each. Here all requests share one connection: commands issued
in the same event-loop turn go out in one write, replies come back in order
and are matched to their callers first-in first-out (Redis answers a
connection's commands in order). Under load that is a few µs per command.

It offers only the commands the gateway's hot path uses, with redis-py's
names and reply types (bytes, None, int, list), so `SessionStore` and
`latchkey.credential_cache` run on it unchanged. Failures raise redis-py's
exception types. Anything else (pipelines, pub/sub) uses redis-py.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

_NOT_YET = object()


def _encode(*args: Any) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        raw = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%b\r\n" % (len(raw), raw))
    return b"".join(parts)


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.pending: deque[asyncio.Future] = deque()
        self.buffer = bytearray()
        self.outgoing: list[bytes] = []
        self.flush_scheduled = False
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        while self.pending:
            future = self.pending.popleft()
            if not future.done():
                future.set_exception(RedisConnectionError("Connection to Redis lost."))

    def send(self, command: bytes) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if self.lost:  # nobody would ever answer it
            future.set_exception(RedisConnectionError("Connection to Redis lost."))
            return future
        self.pending.append(future)
        self.outgoing.append(command)
        if not self.flush_scheduled:
            self.flush_scheduled = True
            loop.call_soon(self._flush)  # everything issued in this turn leaves in one write
        return future

    def _flush(self) -> None:
        self.flush_scheduled = False
        if self.transport is not None and not self.lost:
            self.transport.write(b"".join(self.outgoing))
        self.outgoing.clear()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        position = 0
        while self.pending:
            reply, end = _parse(self.buffer, position)
            if reply is _NOT_YET:
                break
            position = end
            future = self.pending.popleft()
            if not future.done():
                future.set_result(reply)
        del self.buffer[:position]
        if self.buffer and not self.pending and self.transport is not None:
            # A reply nobody asked for: the next caller would get it as theirs. Start over.
            self.lost = True
            self.transport.close()


def _parse(buffer: bytearray, start: int) -> tuple[Any, int]:
    """One RESP2 reply from `start`: (reply, end) or (_NOT_YET, start) when incomplete."""
    line_end = buffer.find(b"\r\n", start)
    if line_end < 0:
        return _NOT_YET, start
    kind, line = buffer[start], bytes(buffer[start + 1 : line_end])
    after = line_end + 2
    if kind == 0x24:  # $ bulk string
        length = int(line)
        if length < 0:
            return None, after
        if len(buffer) < after + length + 2:
            return _NOT_YET, start
        return bytes(buffer[after : after + length]), after + length + 2
    if kind == 0x2B:  # + simple string
        return line, after
    if kind == 0x3A:  # : integer
        return int(line), after
    if kind == 0x2D:  # - error: handed to the caller, who raises it
        return ResponseError(line.decode(errors="replace")), after
    if kind == 0x2A:  # * array
        count = int(line)
        if count < 0:
            return None, after
        items = []
        for _ in range(count):
            item, after = _parse(buffer, after)
            if item is _NOT_YET:
                return _NOT_YET, start
            items.append(item)
        return items, after
    raise RedisConnectionError("Unexpected reply from Redis.")


class PipelinedRedis:
    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        self._url = urlsplit(url)
        self._timeout = timeout
        self._protocol: _Protocol | None = None
        self._connecting = asyncio.Lock()

    async def _connected(self) -> _Protocol:
        async with self._connecting:
            if self._protocol is not None and not self._protocol.lost:
                return self._protocol
            loop = asyncio.get_running_loop()
            url = self._url
            try:
                async with asyncio.timeout(self._timeout):
                    if url.scheme == "unix":
                        _transport, protocol = await loop.create_unix_connection(_Protocol, url.path)
                    else:
                        context = ssl.create_default_context() if url.scheme == "rediss" else None
                        host, port = url.hostname or "localhost", url.port or 6379
                        _transport, protocol = await loop.create_connection(_Protocol, host, port, ssl=context)
            except (OSError, TimeoutError) as error:
                raise RedisConnectionError(f"Cannot connect to Redis: {type(error).__name__}") from None
            try:
                for setup in self._setup_commands():
                    await self._execute(protocol, setup)
                if protocol.lost:
                    raise RedisConnectionError("Connection to Redis lost.")
            except BaseException:
                if protocol.transport is not None:  # a caller cancelled mid-setup must not leave a connection open
                    protocol.transport.close()
                raise
            self._protocol = protocol  # only now may other callers use it: AUTH and SELECT come first
            return protocol

    def _setup_commands(self) -> list[bytes]:
        url, commands = self._url, []
        if url.password is not None:
            user = unquote(url.username) if url.username else None
            commands.append(_encode("AUTH", *((user,) if user else ()), unquote(url.password)))
        db = parse_qs(url.query).get("db", [url.path.strip("/") if url.scheme != "unix" else ""])[0]
        if db and db != "0":
            commands.append(_encode("SELECT", db))
        return commands

    async def _execute(self, protocol: _Protocol, command: bytes) -> Any:
        future = protocol.send(command)
        try:
            async with asyncio.timeout(self._timeout):
                reply = await future
        except TimeoutError:
            # Start over on a new connection (at once: nobody may queue behind a dead command),
            # rather than wait for a reply that may never come.
            protocol.lost = True
            if protocol.transport is not None:
                protocol.transport.close()
            raise RedisTimeoutError("Redis did not answer in time.") from None
        if isinstance(reply, ResponseError):
            raise reply
        return reply

    async def execute_command(self, *args: Any) -> Any:
        protocol = self._protocol
        if protocol is None or protocol.lost:
            protocol = await self._connected()
        return await self._execute(protocol, _encode(*args))

    async def get(self, key: str | bytes) -> bytes | None:
        return await self.execute_command("GET", key)

    async def getex(self, key: str | bytes, *, px: int) -> bytes | None:
        return await self.execute_command("GETEX", key, "PX", px)

    async def mget(self, *keys: str | bytes) -> list[bytes | None]:
        return await self.execute_command("MGET", *keys)

    async def set(self, key: str | bytes, value: str | bytes, *, ex: int | None = None) -> bool:
        args = ("SET", key, value, "EX", ex) if ex is not None else ("SET", key, value)
        return await self.execute_command(*args) == b"OK"

    async def delete(self, *keys: str | bytes) -> int:
        return await self.execute_command("DEL", *keys)

    async def eval(self, script: str, numkeys: int, *keys_and_args: Any) -> Any:
        return await self.execute_command("EVAL", script, numkeys, *keys_and_args)

    async def ping(self) -> bool:
        return await self.execute_command("PING") == b"PONG"

    async def aclose(self) -> None:
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()
