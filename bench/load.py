"""Load generators: wrk for saturation throughput, an open-loop client for latency.

wrk runs as its own process, so the load generator does not share the event
loop it measures. For latency at a fixed rate (wrk only saturates), a small
open-loop client in a separate process sends requests on a schedule and
records each latency, so a slow server cannot slow the schedule down
(no coordinated omission).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass
class WrkResult:
    rps: float
    non_2xx: int
    socket_errors: int


def wrk(url: str, *, seconds: int, connections: int = 32, headers: dict[str, str] | None = None, method: str = "GET", body: str | None = None) -> WrkResult:
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk is needed (apt-get install wrk)")
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    script = None
    if method != "GET" or body is not None:
        import tempfile

        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write(f"wrk.method = {json.dumps(method)}\n")
        if body is not None:
            script.write(f"wrk.body = {json.dumps(body)}\n")
        script.close()
        args += ["-s", script.name]
    output = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    rps = float(_RPS.search(output).group(1))
    non_2xx = int(m.group(1)) if (m := _NON2XX.search(output)) else 0
    errors = sum(int(x) for x in m.groups()) if (m := _ERRORS.search(output)) else 0
    return WrkResult(rps, non_2xx, errors)


async def _open_loop(url: str, headers: dict[str, str], rate: float, seconds: float) -> list[float]:
    import aiohttp

    latencies: list[float] = []
    failures = 0
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one() -> None:
            nonlocal failures
            started = time.perf_counter()
            async with http.get(url, headers=headers) as response:
                await response.read()
                if response.status >= 400:
                    failures += 1
            latencies.append(time.perf_counter() - started)

        tasks = []
        start = time.perf_counter()
        total = int(rate * seconds)
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(one()))
        await asyncio.gather(*tasks)
    if failures:
        raise SystemExit(f"bench: {failures} failed requests during the latency run")
    return latencies


def latency(url: str, *, headers: dict[str, str], rate: float, seconds: float) -> dict[str, float]:
    """p50/p99 in milliseconds at a fixed request rate, measured from another process."""
    payload = json.dumps({"url": url, "headers": headers, "rate": rate, "seconds": seconds})
    output = subprocess.run([sys.executable, __file__, payload], capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def _percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {"p50": pick(0.50), "p99": pick(0.99), "n": len(ordered)}


if __name__ == "__main__":
    job = json.loads(sys.argv[1])
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(_percentiles(asyncio.run(_open_loop(job["url"], job["headers"], job["rate"], job["seconds"])))))
