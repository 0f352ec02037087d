#!/usr/bin/env python3
"""A/B of the gateway's forwarding client: hand-written parser, httptools parser, tuned aiohttp client.

    .venv/bin/python bench/forwarding_client.py              # 3 x 10 s per client
    .venv/bin/python bench/forwarding_client.py --seconds 2 --rounds 1   # a smoke run

An aiohttp upstream in its own process answers a small JSON document; this
process runs `--concurrency` workers sending GETs in a loop through each
client in turn (rounds interleave the clients, so drift hits all three), and
reports requests/s and the client process's CPU time per request — the
steadier figure on a shared machine, since the gateway's budget is CPU.

- `hand-written`: gateway/gateway/http1.py as of commit 755ae53 (regex framing),
  loaded from git history.
- `httptools`: the current `gateway.host_pool.HostPool` (llhttp).
- `aiohttp`: one `ClientSession` tuned as the gateway's internal one is
  (keep-alive connector, no cookie jar, no decompression).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
HAND_WRITTEN_COMMIT = "755ae53"
BODY = json.dumps({"providers": [{"id": "acme", "name": "Acme"}]}).encode()

UPSTREAM = """
import sys
from aiohttp import web
body = sys.argv[2].encode()
async def answer(_request):
    return web.Response(body=body, content_type="application/json")
app = web.Application()
app.router.add_get("/x", answer)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


def load_hand_written():
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{HAND_WRITTEN_COMMIT}:gateway/gateway/http1.py"],
        check=True, capture_output=True, text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "hand_written_http1.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("hand_written_http1", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


async def run_client(name: str, send, seconds: float, concurrency: int) -> dict[str, float]:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            status, body = await send()
            if status != 200 or body != BODY:
                raise SystemExit(f"{name}: unexpected answer {status}")
            done += 1

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"rps": done / wall, "cpu_us": cpu / done * 1e6}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "cli"))
    from latchkey_cli.embedded import free_port

    from gateway.host_pool import HostPool

    port = free_port()
    upstream = subprocess.Popen([sys.executable, "-c", UPSTREAM, str(port), BODY.decode()])
    try:
        for _ in range(100):
            try:
                _r, w = await asyncio.open_connection("127.0.0.1", port)
                w.close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        old = load_hand_written().HostPool("127.0.0.1", port, connect_timeout=2, read_timeout=5)
        new = HostPool("127.0.0.1", port, connect_timeout=2, read_timeout=5, max_connections=256)
        http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=256, keepalive_timeout=30),
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
        )
        url = f"http://127.0.0.1:{port}/x"
        headers = [("Accept", "application/json"), ("X-Request-ID", "bench-request-0001")]

        async def via_pool(pool):
            answer = await pool.exchange("GET", "/x", headers, None)
            return answer.status, answer.body

        async def via_aiohttp():
            async with http.get(url, headers=dict(headers)) as response:
                return response.status, await response.read()

        clients = {
            "hand-written": lambda: via_pool(old),
            "httptools": lambda: via_pool(new),
            "aiohttp": via_aiohttp,
        }
        results: dict[str, list[dict[str, float]]] = {name: [] for name in clients}
        for name, send in clients.items():  # warm up: connections open, code paths hot
            await run_client(name, send, 0.5, args.concurrency)
        for _ in range(args.rounds):
            for name, send in clients.items():
                results[name].append(await run_client(name, send, args.seconds, args.concurrency))
        await http.close()
        old.close()
        new.close()
    finally:
        upstream.terminate()
        upstream.wait()

    base = min(r["cpu_us"] for r in results["httptools"])
    print(f"{'client':<14}{'req/s (best)':>14}{'CPU µs/req (best)':>20}{'CPU ÷ httptools':>18}")
    for name, runs in results.items():
        rps = max(r["rps"] for r in runs)
        cpu = min(r["cpu_us"] for r in runs)
        print(f"{name:<14}{rps:>14.0f}{cpu:>20.1f}{cpu / base:>18.2f}")


if __name__ == "__main__":
    asyncio.run(main())
