"""asyncpg's Pool against latchkey.storage.FairPool, with more requests in flight than connections.

    .venv/bin/python bench/pool_fairness.py [--tasks 32] [--size 10] [--seconds 4] [--rounds 3]

Each round runs `--tasks` coroutines that each borrow a connection for one
`SELECT` by primary key and give it back, as a request to the session service
does, first through asyncpg's own pool and then through FairPool (the same
size, the same embedded PostgreSQL, one after the other, so the machine weighs
on both alike). It prints operations per second and the wait-plus-query time
p50 / p99 / max of each. asyncpg's queue lets a newcomer take a connection
released for a coroutine already waiting, so at saturation its maximum grows
with the run; FairPool's stays near its p99.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import h2load  # noqa: E402  (its percentile summary)


async def measure(pool, tasks: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            async with pool.acquire() as conn:
                await conn.fetchrow("SELECT oid, relname FROM pg_class WHERE oid = $1", 1259)
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0)  # the next request of this "client" comes after a turn of the loop

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(tasks)))
    elapsed = time.perf_counter() - began
    return {"ops": len(latencies) / elapsed, **h2load.summarize(sorted(latencies))}


async def main_async(options: argparse.Namespace, url: str) -> None:
    import asyncpg

    from latchkey.storage import fair_pool

    def plain():
        return asyncpg.create_pool(url, min_size=options.size, max_size=options.size)

    def fair():
        return fair_pool(url, min_size=options.size, max_size=options.size)

    results: dict[str, list[dict[str, float]]] = {"asyncpg Pool": [], "FairPool": []}
    for _round in range(options.rounds):
        for name, make in (("asyncpg Pool", plain), ("FairPool", fair)):
            async with make() as pool:
                await measure(pool, options.tasks, 0.5)  # warm: every connection open, statements prepared
                results[name].append(await measure(pool, options.tasks, options.seconds))
    print(f"{options.tasks} tasks, {options.size} connections, {options.rounds} rounds of {options.seconds:g} s each")
    print(f"{'pool':<14} {'ops/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, rounds in results.items():
        for figures in rounds:
            print(f"{name:<14} {figures['ops']:>8.0f} {figures['p50']:>8.2f} {figures['p99']:>8.2f} {figures['max']:>8.1f}")
    plain_ops = sum(r["ops"] for r in results["asyncpg Pool"])
    fair_ops = sum(r["ops"] for r in results["FairPool"])
    print(f"FairPool ÷ asyncpg Pool, ops/s: {fair_ops / plain_ops:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=32)
    parser.add_argument("--size", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()

    from latchkey_cli.embedded import EmbeddedPostgres, free_port

    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())  # as the services run
    except ImportError:  # pragma: no cover
        pass
    tmp = Path(tempfile.mkdtemp(prefix="latchkey-pool-bench-"))
    postgres = EmbeddedPostgres(tmp / "postgres", free_port(), fast=True, log_file=tmp / "postgres.log")
    postgres.start()
    try:
        asyncio.run(main_async(options, postgres.url))
    finally:
        postgres.stop()


if __name__ == "__main__":
    main()
