#!/usr/bin/env python3
"""What one request costs, in CPU time: a figure a busy machine does not distort much.

    .venv/bin/python bench/cost.py                    # CPU ms per request, per process
    .venv/bin/python bench/cost.py --profile          # and where a /users/me goes in the session and the gateway (py-spy)
    .venv/bin/python bench/cost.py --json now.json --compare before.json

Wall-clock throughput on a shared 2-core machine measures the neighbours as
much as the code. The CPU time a process spends (utime + stime from
/proc/<pid>/stat, all its threads) per request it answered does not depend on
who else runs, so the cost ratios here hold on a loaded machine. Each
scenario sends `--requests` requests with h2load (closed loop, 4 connections)
straight to one process and divides that process's CPU time by the count;
PostgreSQL's and Redis's CPU are given beside it when the request uses them.

`--profile` samples the session service during direct /users/me requests,
then the gateway during cookie /users/me requests, with py-spy (`pip install
py-spy`; its own process, `--nonblocking`, so the target never stops), and
sorts each sample by the innermost frame that names a part of the work:
identity token, PostgreSQL, Redis, JSON, logging, metrics, forwarding,
aiohttp's HTTP handling, the rest. Time in a system call (a socket write)
counts to the Python frame that made it.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402
import cpu  # noqa: E402
import h2load  # noqa: E402
import metrics  # noqa: E402

ME = "/api/1/users/me"
PUBLIC = "/api/v1/sso/providers"

# Innermost match wins: a frame of pyjwt inside aiohttp's handler counts as identity. asyncio's
# own frames are looked through (redis-py writes through asyncio streams: that is Redis).
PARTS = (
    ("identity token", ("/jwt/", "latchkey/tokens.py", "latchkey/identity.py", "cryptography/", "gateway/identity.py")),
    ("argon2id", ("argon2/", "session/passwords.py", "concurrent/futures/")),
    ("PostgreSQL query", ("asyncpg/", "session/repository.py")),
    ("Redis", ("redis/", "latchkey/redis_client.py")),
    ("JSON", ("json/", "web_response.py:json_response", "json_response")),
    ("logging", ("logging/", "latchkey/logs.py")),
    ("metrics", ("prometheus_client/",)),
    ("forwarding upstream", ("gateway/http1.py", "gateway/forwarding.py", "gateway/upstreams.py", "gateway/host_pool.py", "httptools", "h11/")),
    ("gateway authentication, policy", ("gateway/",)),
    ("latchkey middlewares, handler, domain code", ("latchkey/", "session/")),
    ("aiohttp HTTP (parsing, writing, the loop's C side)", ("aiohttp/", "multidict/", "yarl/")),
)


def gc_seconds(metrics_url: str) -> float | None:
    """Total GC pause seconds so far (latchkey_gc_pause_seconds_sum), None without the probe."""
    return metrics.total(metrics_url, "latchkey_gc_pause_seconds", "_sum")


def cost(name: str, url: str, headers: dict[str, str], pid: int, requests: int, others: dict[str, int], metrics_url: str | None) -> dict:
    """CPU ms per request of `pid` (and of `others`, e.g. PostgreSQL) over `requests` requests."""
    h2load.run(url, headers=headers, requests=min(500, requests), connections=4)  # warm: pools, caches, statement cache
    gc_before = gc_seconds(metrics_url) if metrics_url else None
    before = cpu.process_seconds(pid)
    others_before = {other: cpu.tree_seconds(p) for other, p in others.items()}
    run = h2load.run(url, headers=headers, requests=requests, connections=4)
    used = cpu.process_seconds(pid) - before
    if run.failures:
        raise SystemExit(f"bench: {name}: {run.failures} failed requests")
    answered = len(run.latencies_ms)
    figures = {"name": name, "requests": answered, "cpu_ms_per_request": round(used * 1000 / answered, 4)}
    for other, p in others.items():
        figures[f"{other}_cpu_ms_per_request"] = round((cpu.tree_seconds(p) - others_before[other]) * 1000 / answered, 4)
    gc_after = gc_seconds(metrics_url) if metrics_url else None
    if gc_before is not None and gc_after is not None:
        figures["gc_ms_per_request"] = round((gc_after - gc_before) * 1000 / answered, 4)
    return figures


def profile(pid: int, url: str, headers: dict[str, str], requests: int, out: Path) -> dict[str, float]:
    """Shares of a process's CPU samples by part of the work, while h2load sends `requests` to `url`."""
    def load() -> None:
        if failures := h2load.run(url, headers=headers, requests=requests, connections=4).failures:
            raise SystemExit(f"bench: {failures} failed requests while profiling {url}")

    return record(pid, out, load)


def record(pid: int, out: Path, load: Callable[[], object]) -> dict[str, float]:
    """py-spy samples of `pid` (raw, into `out`) while `load()` runs, by part of the work."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        raise SystemExit("bench: --profile needs py-spy (.venv/bin/pip install py-spy)")
    recorder = subprocess.Popen(
        [py_spy, "record", "--nonblocking", "--pid", str(pid), "--rate", "200", "--format", "raw", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    time.sleep(1.5)  # py-spy attaches
    load()
    recorder.send_signal(2)  # SIGINT: py-spy writes its file and exits
    _out, err = recorder.communicate(timeout=30)
    if not out.exists():
        raise SystemExit(f"bench: py-spy wrote nothing: {err.decode()[-500:]}")
    return breakdown(out.read_text())


def breakdown(collapsed: str) -> dict[str, float]:
    """Percent of samples per part, from py-spy's raw (collapsed stack) output."""
    counts: Counter[str] = Counter()
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        counts[_part(stack.split(";"))] += int(count)
    total = sum(counts.values()) or 1
    return {part: round(100 * n / total, 1) for part, n in counts.most_common()}


def _part(frames: list[str]) -> str:
    for frame in reversed(frames):
        for part, needles in PARTS:
            if any(needle in frame for needle in needles):
                return part
    return "asyncio" if any("asyncio/" in frame for frame in frames) else "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=4000, help="requests per scenario (default 4000)")
    parser.add_argument("--profile", nargs="?", const=True, default=None, metavar="FILE",
                        help="also sample the session service with py-spy during /users/me (and keep the samples in FILE)")
    parser.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of every process (default WARNING; INFO logs each request)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--compare", type=Path, help="print each figure's ratio to this earlier --json file")
    options = parser.parse_args()

    import run as bench_run  # the same stack and fixtures as bench/run.py

    tmp = Path(tempfile.mkdtemp(prefix="latchkey-cost-"))
    # One gateway process: its CPU, GC and samples are one process's (bench/scale.py measures workers).
    runner, env = bench_run.start_stack(tmp, {"LOG_LEVEL": options.log_level, "GATEWAY_WORKERS": "1"})
    try:
        creds = asyncio.run(bench_run.prepare(env))
        pids = {child.name: child.process.pid for child in runner.children}
        databases = {"postgres": runner.postgres.process.pid} if runner.postgres else {}
        redis = {"redis": runner.redis.process.pid} if runner.redis else {}
        session, oidc, gateway = env["SESSION_URLS"].split(",")[0], env["OIDC_LINK_URLS"].split(",")[0], env["PUBLIC_URL"]
        gateway_metrics = (f"http://127.0.0.1:{env['METRICS_PORT']}" if env.get("METRICS_PORT") else gateway) + "/metrics"
        def identity() -> dict[str, str]:  # minted when used: it lives 60 s, a loaded machine's run is longer
            return bench_run.identity_header(env, creds, "session")

        cookie = {"Cookie": "sesskey=" + creds["sesskey"]}
        n = options.requests
        results = [
            cost("session /users/me direct", session + ME, identity(), pids["session"], n, databases, session + "/metrics"),
            cost("session /healthz direct", session + "/healthz", {}, pids["session"], n, {}, session + "/metrics"),
            cost("oidc-link public route direct", oidc + PUBLIC, {}, pids["oidc-link"], n, {}, oidc + "/metrics"),
            cost("gateway /users/me cookie", gateway + ME, cookie, pids["gateway"], n, redis, gateway_metrics),
            cost("gateway public route", gateway + PUBLIC, {}, pids["gateway"], n, {"oidc-link": pids["oidc-link"]}, gateway_metrics),
            # The same route with a cookie: what authentication adds, in the gateway, Redis and the upstream.
            cost("gateway public route, cookie", gateway + PUBLIC, cookie, pids["gateway"], n,
                 {**redis, "oidc-link": pids["oidc-link"]}, gateway_metrics),
        ]
        samples = Path(options.profile) if isinstance(options.profile, str) else tmp / "profile.txt"
        parts = {}
        if options.profile:
            parts["session, direct /users/me"] = profile(pids["session"], session + ME, identity(), 3 * n, samples)
            parts["gateway, /users/me with a cookie"] = profile(pids["gateway"], gateway + ME, cookie, 3 * n, samples.with_suffix(".gateway.txt"))
    finally:
        runner.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    by_name = {r["name"]: r for r in results}
    print(f"\n{'scenario':<34} {'CPU ms/request':>15}   beside it")
    for r in results:
        extra = ", ".join(f"{k.removesuffix('_cpu_ms_per_request').removesuffix('_ms_per_request')} {v:.3f}" for k, v in r.items() if k.endswith("_ms_per_request") and k != "cpu_ms_per_request")
        print(f"{r['name']:<34} {r['cpu_ms_per_request']:>15.3f}   {extra}")
    me, public = by_name["session /users/me direct"], by_name["oidc-link public route direct"]
    ratios = {
        "public route / session /users/me (CPU per request; target >= 0.4)": public["cpu_ms_per_request"] / me["cpu_ms_per_request"],
        "gateway public / gateway cookie /users/me": by_name["gateway public route"]["cpu_ms_per_request"] / by_name["gateway /users/me cookie"]["cpu_ms_per_request"],
        "session /healthz / session /users/me": by_name["session /healthz direct"]["cpu_ms_per_request"] / me["cpu_ms_per_request"],
    }
    anonymous, authenticated = by_name["gateway public route"], by_name["gateway public route, cookie"]
    added = {key: authenticated[key] - anonymous.get(key, 0.0) for key in authenticated if key.endswith("cpu_ms_per_request")}
    print("\nwhat a cookie adds to the public route, CPU ms per request: " + ", ".join(
        f"{key.removesuffix('_cpu_ms_per_request').replace('cpu_ms_per_request', 'gateway')} {value:+.3f}" for key, value in added.items()))
    print()
    for name, value in ratios.items():
        print(f"{name:<70} {value:6.2f}")
    for process, shares in parts.items():
        print(f"\nwhere the CPU of the {process} goes (share of py-spy samples):")
        for part, share in shares.items():
            print(f"  {part:<44} {share:5.1f} %")
    figures = {"cost": results, "ratios": ratios, "profile": parts}
    compare.save_and_compare(figures, options.json, options.compare)


if __name__ == "__main__":
    main()
