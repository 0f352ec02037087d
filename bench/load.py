"""Load generators: wrk for saturation throughput, h2load (bench/h2load.py) for latency at a fixed rate.

Both are C programs in their own process, so the load generator neither shares
the event loop it measures nor spends much of the machine's CPU. wrk only
saturates; h2load's `--rps` keeps an open-loop schedule per connection.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass

import h2load

_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass
class WrkResult:
    rps: float
    non_2xx: int
    socket_errors: int
    errors_line: str = ""  # wrk's own "Socket errors: connect N, read N, write N, timeout N", when there were any


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
    found = _ERRORS.search(output)
    errors = sum(int(x) for x in found.groups()) if found else 0
    return WrkResult(rps, non_2xx, errors, found.group(0) if found else "")


def latency(url: str, *, headers: dict[str, str], rate: float, seconds: float) -> dict[str, float]:
    """p50/p90/p99/p99.9/max/mean in ms at a fixed request rate, from h2load (bench/h2load.py) in its own process."""
    return h2load.run(url, headers=headers, requests=max(100, int(rate * seconds)), rate=rate).percentiles()
