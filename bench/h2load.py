"""Debian's h2load (nghttp2-client, C) as the bench's low-overhead HTTP/1.1 load generator.

Open loop: `rate` is spread over `connections` h2load processes of one
connection each (`--rps`: a fixed schedule per connection, so a slow answer
does not slow it), started at even offsets across one interval. One h2load
process with many connections would fire all of them on the same tick: at
700 req/s over 32 connections, a burst of 32 requests every 45 ms, and the
last of a burst waits for the 31 before it. That measures the burst, not the
server (at 750 req/s it put the p50 of a public route at 8 ms where one
request alone takes 1). Staggered, the arrivals are as even as the rate.

h2load sends at most one request at a time per HTTP/1.1 connection: a request
due while its connection is busy waits, and h2load times it from when it was
sent. `late` counts the requests whose start slipped past their connection's
schedule by more than 1 ms, so such a hidden wait shows.

Closed loop (no `rate`): each connection sends its next request when the last
answer arrives; used for CPU-time cost, where only the count matters.

Per-request latencies come from h2load's `--log-file` (start time,
status, microseconds to the end of the answer).
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "bench: h2load is needed (Debian: apt-get install nghttp2-client)"


@dataclass
class Run:
    latencies_ms: list[float]  # sorted
    failures: int
    seconds: float  # first start to last end
    late: int  # open loop only: starts more than 1 ms behind their connection's schedule

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds > 0 else 0.0

    def percentiles(self) -> dict[str, float]:
        return summarize(self.latencies_ms) | {"rate": round(self.rate, 1), "late": self.late, "failures": self.failures}


def summarize(ordered: list[float]) -> dict[str, float]:
    """p50/p90/p99/p99.9/max (nearest rank) and mean, in ms, of sorted latencies."""
    if not ordered:
        return {"n": 0}

    def rank(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))], 3)

    return {
        "n": len(ordered),
        "p50": rank(0.50),
        "p90": rank(0.90),
        "p99": rank(0.99),
        "p99.9": rank(0.999),
        "max": round(ordered[-1], 3),
        "mean": round(sum(ordered) / len(ordered), 3),
    }


def available() -> bool:
    return shutil.which("h2load") is not None


def run(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    requests: int,
    connections: int = 32,
    rate: float | None = None,
) -> Run:
    """`requests` requests over `connections` HTTP/1.1 connections, at `rate` req/s in all (open loop) or as fast as answered."""
    if not available():
        raise SystemExit(INSTALL_HINT)
    connections = max(1, min(connections, requests))
    base = ["h2load", "--h1", "-t1"]
    for name, value in (headers or {}).items():
        base += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory(prefix="latchkey-h2load-") as tmp:
        if rate is None:
            log = Path(tmp) / "requests.tsv"
            _wait([_start(base + [f"-c{connections}", f"-n{requests}", f"--log-file={log}", url])])
            return _result([_rows(log)], None)
        per_connection = rate / connections
        logs = [Path(tmp) / f"requests-{index}.tsv" for index in range(connections)]
        counts = [requests // connections + (1 if index < requests % connections else 0) for index in range(connections)]
        processes = []
        first = time.monotonic()
        for index, (log, count) in enumerate(zip(logs, counts)):
            time.sleep(max(0.0, first + index / rate - time.monotonic()))  # even phases across one interval
            processes.append(_start(base + ["-c1", f"-n{count}", f"--rps={per_connection:.3f}", f"--log-file={log}", url]))
        _wait(processes)
        return _result([_rows(log) for log in logs], per_connection)


def _start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        stdout, stderr = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"bench: h2load failed: {stderr.strip() or stdout[-500:]}")


def _rows(log: Path) -> list[tuple[int, int, int]]:
    rows = []
    for line in log.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            rows.append((int(parts[0]), int(parts[1]), int(parts[2])))
    return rows


def _result(per_connection_rows: list[list[tuple[int, int, int]]], per_connection_rate: float | None) -> Run:
    rows = [row for rows in per_connection_rows for row in rows]
    failures = sum(1 for _start, status, _us in rows if status < 200 or status >= 400)
    latencies = sorted(us / 1000 for _start, status, us in rows if 200 <= status < 400)
    if not rows:
        return Run([], failures, 0.0, 0)
    first = min(start for start, _s, _us in rows)
    last = max(start + us for start, _s, us in rows)
    late = sum(_late_starts(connection_rows, per_connection_rate) for connection_rows in per_connection_rows)
    return Run(latencies, failures, (last - first) / 1e6, late)


def _late_starts(rows: list[tuple[int, int, int]], per_connection_rate: float | None) -> int:
    """Starts of one connection later than its schedule allows: the k-th is due k intervals after its first."""
    if not per_connection_rate or not rows:
        return 0
    interval_us = 1e6 / per_connection_rate
    starts = sorted(start for start, _s, _us in rows)
    return sum(1 for k, start in enumerate(starts) if start - starts[0] > k * interval_us + 1000)
