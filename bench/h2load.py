"""Debian's h2load (nghttp2-client, C) as the bench's low-overhead HTTP/1.1 load generator.

Open loop: `--rps` gives each of `connections` clients its own fixed schedule,
so a slow answer does not slow the schedule. h2load still sends at most one
request at a time per HTTP/1.1 connection: a request due while its connection
is busy waits, and h2load times it from when it was sent. With many
connections each carrying a low rate (the default spreads the rate over 32, so
each sends every ~45 ms at 700 req/s) a stall must last longer than that
interval before it hides a request's wait; `late` counts the requests whose
start slipped past their schedule by more than 1 ms, so a hidden wait shows.

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
    with tempfile.TemporaryDirectory(prefix="latchkey-h2load-") as tmp:
        log = Path(tmp) / "requests.tsv"
        args = ["h2load", "--h1", f"-c{connections}", "-t1", f"-n{requests}", f"--log-file={log}"]
        if rate is not None:
            args.append(f"--rps={rate / connections:.3f}")
        for name, value in (headers or {}).items():
            args += ["-H", f"{name}: {value}"]
        completed = subprocess.run(args + [url], capture_output=True, text=True)
        if completed.returncode != 0:
            raise SystemExit(f"bench: h2load failed: {completed.stderr.strip() or completed.stdout[-500:]}")
        rows = _rows(log)
    return _result(rows, rate / connections if rate else None, connections)


def _rows(log: Path) -> list[tuple[int, int, int]]:
    rows = []
    for line in log.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            rows.append((int(parts[0]), int(parts[1]), int(parts[2])))
    return rows


def _result(rows: list[tuple[int, int, int]], per_connection_rate: float | None, connections: int) -> Run:
    failures = sum(1 for _start, status, _us in rows if status < 200 or status >= 400)
    latencies = sorted(us / 1000 for _start, status, us in rows if 200 <= status < 400)
    if not rows:
        return Run([], failures, 0.0, 0)
    first = min(start for start, _s, _us in rows)
    last = max(start + us for start, _s, us in rows)
    return Run(latencies, failures, (last - first) / 1e6, _late_starts(rows, per_connection_rate, connections))


def _late_starts(rows: list[tuple[int, int, int]], per_connection_rate: float | None, connections: int) -> int:
    """Starts later than the whole schedule allows: the k-th start is due by (k // connections) intervals after the first."""
    if not per_connection_rate:
        return 0
    interval_us = 1e6 / per_connection_rate
    starts = sorted(start for start, _s, _us in rows)
    first = starts[0]
    return sum(1 for k, start in enumerate(starts) if start - first > (k // connections + 1) * interval_us + 1000)
