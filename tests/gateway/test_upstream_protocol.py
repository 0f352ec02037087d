"""An upstream that answers malformed or ambiguous HTTP/1.1: always a 502, never a 500, a hang or a desync.

The upstream here is a raw socket server that reads each request and writes
the next scripted answer byte for byte, so the tests can send what aiohttp
would never produce: two Content-Lengths, a bare LF in a header, a chunk size
line longer than the head limit, a head followed by a dropped connection.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import pytest

from latchkey_cli.embedded import free_port

PATH = "/api/v1/sso/providers"  # public, forwarded to oidc-link, problem+json envelope
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


class Scripted:
    """Answers the n-th request with the n-th script entry; `None` closes the connection unanswered."""

    def __init__(self, answers: list[bytes | None], *, close_after: bool = False) -> None:
        self.answers = list(answers)
        self.close_after = close_after
        self.requests: list[bytes] = []
        self.connections = 0
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: asyncio.Server | None = None

    async def start(self) -> Scripted:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                self.requests.append(head)
                answer = self.answers.pop(0) if self.answers else OK
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def upstream_answering(start_system):
    started: list[Scripted] = []

    async def start(answers: list[bytes | None], **options):
        upstream = await Scripted(answers, **options).start()
        started.append(upstream)
        system = await start_system(("gateway",), OIDC_LINK_URLS=upstream.url, ORG_PROVISIONING_URLS=upstream.url, GATEWAY_READ_TIMEOUT="2")
        return system, upstream

    yield start
    for upstream in started:
        await upstream.stop()


@contextlib.asynccontextmanager
async def raw_upstream(serve):
    """A raw socket server running `serve` per connection; yields its base URL."""
    port = free_port()
    server = await asyncio.start_server(serve, "127.0.0.1", port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


async def _assert_bad_gateway(http, url: str, method: str = "GET") -> None:
    async with http.request(method, url) as response:
        assert response.status == 502, await response.text()
        assert response.content_type == "application/problem+json"
        assert (await response.json())["code"] == "bad_gateway"


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 0\r\n\r\nok", id="two-content-lengths"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: \xc2\xb2\r\n\r\nok", id="non-ascii-digit-length"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok", id="signed-length"),
        pytest.param(b"HTTP/1.1 200 OK\r\nX-Note: a\nSet-Cookie: x=1\r\nContent-Length: 2\r\n\r\nok", id="bare-lf-in-header"),
        pytest.param(b"HTTP/1.1 200 O\rK\r\nContent-Length: 2\r\n\r\nok", id="cr-in-reason"),
        pytest.param(b"HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok", id="status-out-of-range"),
        pytest.param(b"HTTP/1.1 200 OK\r\n folded: x\r\nContent-Length: 2\r\n\r\nok", id="obs-fold"),
        pytest.param(b"HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 2\r\n\r\nok", id="space-in-name"),
        pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nok\r\n0\r\n\r\n", id="negative-chunk"),
        pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n", id="chunk-without-crlf"),
        pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;" + b"x" * 70_000 + b"\r\nok\r\n0\r\n\r\n", id="huge-chunk-line"),
        pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nok", id="unknown-coding"),
    ],
)
async def test_a_malformed_or_ambiguous_answer_is_502_in_the_family_envelope(upstream_answering, http, answer):
    system, _upstream = await upstream_answering([answer])
    await _assert_bad_gateway(http, system.gateway + PATH)


async def test_a_valid_chunked_answer_is_relayed_whole(upstream_answering, http):
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n"
    system, upstream = await upstream_answering([chunked, OK])
    async with http.get(system.gateway + PATH) as response:
        assert response.status == 200
        assert await response.read() == b"abcde"
    async with http.get(system.gateway + PATH) as response:
        assert await response.read() == b"ok"
    assert upstream.connections == 1  # the chunked answer was read to its end: the connection was reusable


async def test_an_answer_with_both_lengths_is_refused_and_its_connection_not_reused(upstream_answering, http):
    # RFC 9112 §6.3: such a message "ought to be handled as an error" (it is how responses are split);
    # the stricter rule of llhttp. A sender this confused is not trusted with the next request either.
    both = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 30\r\n\r\n2\r\nok\r\n0\r\n\r\n"
    system, upstream = await upstream_answering([both, OK])
    await _assert_bad_gateway(http, system.gateway + PATH)
    async with http.get(system.gateway + PATH) as response:
        assert response.status == 200
        assert await response.read() == b"ok"
    assert upstream.connections == 2


async def test_a_post_whose_answer_broke_off_is_never_sent_twice(upstream_answering, http):
    # The first exchange leaves a pooled connection; on the second the upstream has
    # read and processed the POST, sent a head, then died: resending would repeat it.
    broken_off = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
    system, upstream = await upstream_answering([OK, broken_off])
    url = system.gateway + "/api/auth/refresh-token"  # public POST, forwarded to org-provisioning
    async with http.post(url) as response:
        assert response.status == 200
    upstream.close_after = True
    await _assert_bad_gateway(http, url, "POST")
    assert len(upstream.requests) == 2


async def test_a_post_on_a_reused_connection_that_closes_unanswered_is_not_resent(upstream_answering, http):
    # RFC 9110 §9.2.2: the service read the POST and may have acted on it before closing; only an
    # idempotent request may be repeated automatically.
    system, upstream = await upstream_answering([OK, None, OK])
    url = system.gateway + "/api/auth/refresh-token"  # public POST, forwarded to org-provisioning
    async with http.post(url, json={}) as response:
        assert response.status == 200
    await _assert_bad_gateway(http, url, "POST")
    assert len(upstream.requests) == 2


async def test_a_get_on_a_reused_connection_that_closes_unanswered_is_sent_once_more(upstream_answering, http):
    system, upstream = await upstream_answering([OK, None, OK])
    for _ in range(2):
        async with http.get(system.gateway + PATH) as response:
            assert response.status == 200 and await response.read() == b"ok"
    assert len(upstream.requests) == 3 and upstream.connections == 2


async def test_past_the_connection_cap_of_an_instance_the_answer_is_a_clear_503(start_system, http):
    release, held = asyncio.Event(), asyncio.Event()

    async def hold_then_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        held.set()
        await release.wait()
        writer.write(OK)
        await writer.drain()
        writer.close()

    async with raw_upstream(hold_then_answer) as url:
        system = await start_system(
            ("gateway",), OIDC_LINK_URLS=url, GATEWAY_MAX_CONNECTIONS_PER_INSTANCE="1", GATEWAY_CONNECT_TIMEOUT="0.2"
        )
        first = asyncio.create_task(http.get(system.gateway + PATH))
        await asyncio.wait_for(held.wait(), 10)  # the first request holds the only connection
        async with http.get(system.gateway + PATH) as response:
            assert response.status == 503, await response.text()
            assert response.headers["Retry-After"] == "1"
            problem = await response.json()
        assert problem["code"] == "service_unavailable" and "connection limit" in problem["title"]
        release.set()
        async with await first as response:
            assert response.status == 200


async def test_an_upstream_that_stops_reading_a_streamed_body_is_504_not_a_hang(start_system):
    done = asyncio.Event()

    async def swallow_head_then_stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await done.wait()  # never reads the body, never answers
        writer.close()

    try:
        async with raw_upstream(swallow_head_then_stall) as url:
            system = await start_system(
                ("gateway",), ORG_PROVISIONING_URLS=url,
                GATEWAY_READ_TIMEOUT="0.5", GATEWAY_MAX_BODY_BYTES=str(64 * 1024 * 1024),
            )

            async def big_body():
                for _ in range(32):
                    yield b"z" * (1024 * 1024)

            headers = {"Content-Type": "application/octet-stream"}
            # A client of its own, closed here: the gateway stops draining the rest of the upload at once.
            async with asyncio.timeout(10), aiohttp.ClientSession() as client:
                url = system.gateway + "/api/auth/refresh-token"
                async with client.post(url, data=big_body(), headers=headers) as response:
                    assert response.status == 504
                    assert (await response.json())["code"] == "gateway_timeout"
    finally:
        done.set()


async def test_bytes_an_upstream_sent_past_its_answer_never_reach_the_next_caller(upstream_answering, http):
    # One answer too many (a buggy service, a wrong Content-Length): on a reused connection
    # it would be read as the answer to the next request, which may be another user's.
    extra = b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nsomeone-else's"
    system, upstream = await upstream_answering([OK + extra, OK])
    async with http.get(system.gateway + PATH) as response:
        assert await response.read() == b"ok"
    await asyncio.sleep(0.05)
    async with http.get(system.gateway + PATH) as response:
        assert response.status == 200
        assert await response.read() == b"ok"


@pytest.mark.parametrize(
    "answer",
    [OK, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok", b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nok"],
    ids=["whole", "cut short", "two lengths"],
)
async def test_reading_an_answer_leaves_nothing_for_the_garbage_collector(answer):
    """Every forwarded request reads one answer: garbage in cycles there made the gateway collect every 70 requests."""
    import gc

    from gateway.http1 import BrokenExchange, read_answer

    reader = asyncio.StreamReader()
    reader.feed_data(answer)
    reader.feed_eof()
    gc.collect()
    gc.disable()
    try:
        with contextlib.suppress(BrokenExchange):
            await read_answer(reader, "GET")
        assert gc.collect() == 0
    finally:
        gc.enable()
