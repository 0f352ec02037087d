"""Login throughput against the raw cost of argon2id, on this machine.

    python bench/login_bench.py [--quick] [--json] [--seconds N] [--concurrency N]

1. Raw: argon2id verifications per second at the configured parameters
   (ARGON2_TIME_COST, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM; OWASP's minimum
   by default), with 2 concurrent workers.
2. Service: logins per second through POST /api/1/auth/session of the session
   service, run as its own process (`python -m session`) on embedded
   PostgreSQL and Redis, with the load sent from a separate process.

The ratio logins/s ÷ hashes/s says how much the service adds around the one
hash a login costs (target ≥ 0.9). On a machine busy with other work the two
wall-clock rates drift, so the script also counts CPU time (Linux /proc):
CPU per hash ÷ CPU per login (service, PostgreSQL, Redis and the load
process together) is the ratio the wall clock would show on an idle machine.
`--json` prints the figures as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpu  # noqa: E402
import metrics  # noqa: E402

EMAIL = "bench{}@example.com"
# One user per concurrent worker: many people signing in at once, as in real
# traffic (the lockout reserves a place per attempt, so more concurrent logins
# of ONE account than its failure limit would be refused with 429).
USERS = 16
PASSWORD = "bench password 123"
RAW_WORKERS = 2


def hashing_seconds(service_url: str) -> float:
    """The session service's `latchkey_password_hash_cpu_seconds_total`, from its /metrics."""
    return metrics.total(service_url + "/metrics", "latchkey_password_hash_cpu_seconds", "_total") or 0.0


def raw_hashes_per_second(time_cost: int, memory_kib: int, parallelism: int, seconds: float) -> tuple[float, float]:
    """argon2id verifications per second (a verification is one hash) with RAW_WORKERS threads, and CPU seconds per hash."""
    from argon2 import PasswordHasher, Type

    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, hash_len=32, salt_len=16, type=Type.ID)
    encoded = hasher.hash(PASSWORD)
    deadline = time.perf_counter() + seconds
    counts = [0] * RAW_WORKERS
    lock = threading.Lock()

    def worker(index: int) -> None:
        while time.perf_counter() < deadline:
            hasher.verify(encoded, PASSWORD)
            with lock:
                counts[index] += 1

    started, cpu_started = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(RAW_WORKERS) as pool:
        list(pool.map(worker, range(RAW_WORKERS)))
    return sum(counts) / (time.perf_counter() - started), (time.process_time() - cpu_started) / max(1, sum(counts))


async def _load(url: str, seconds: float, concurrency: int) -> dict[str, float]:
    import aiohttp

    done = errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(http: aiohttp.ClientSession, index: int) -> None:
        nonlocal done, errors
        email = EMAIL.format(index % USERS)
        while time.perf_counter() < deadline:
            async with http.post(url, json={"email": email, "password": PASSWORD}) as response:
                await response.read()
                if response.status == 200:
                    done += 1
                else:
                    errors += 1

    started, cpu_started = time.perf_counter(), time.process_time()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:
        await asyncio.gather(*(worker(http, i) for i in range(concurrency)))
    # Our own CPU while loading only: the interpreter's start is not a cost of logins.
    return {"logins": done, "errors": errors, "seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu_started}


def logins_per_second(url: str, seconds: float, concurrency: int) -> dict[str, float]:
    """Run the load in a separate process, so the client does not share our interpreter."""
    result = subprocess.run(
        [sys.executable, __file__, "--load", url, "--seconds", str(seconds), "--concurrency", str(concurrency)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(seconds: float, concurrency: int, rounds: int, profile_to: Path | None = None) -> dict[str, float]:
    from latchkey_cli import devconfig, migrate
    from latchkey_cli.embedded import EmbeddedPostgres, EmbeddedRedis, free_port, wait_for_port
    from session import operator
    from session.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="latchkey-login-bench-"))
    postgres = EmbeddedPostgres(tmp / "postgres", free_port(), fast=True, log_file=tmp / "postgres.log")
    redis = EmbeddedRedis(tmp / "redis", free_port(), persistent=False)
    service: subprocess.Popen | None = None
    try:
        postgres.start()
        redis.start()
        database_url = asyncio.run(migrate.ensure_database(postgres.url, "latchkey_bench"))
        asyncio.run(migrate.migrate_all(database_url))
        port = free_port()
        env = {
            **os.environ,
            **devconfig.generate_secrets(),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis.url,
            "SESSION_PORT": str(port),
            "LOG_LEVEL": "WARNING",
            "LATCHKEY_ENV_FILE": "/nonexistent/.env",
        }
        settings = Settings.from_env(env)
        for index in range(USERS):
            asyncio.run(operator.create_user(settings, email=EMAIL.format(index), password=PASSWORD, org_id=1, role="USER", name="Bench"))
        with open(tmp / "session.log", "wb") as log:
            service = subprocess.Popen([sys.executable, "-m", "session"], env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        wait_for_port(port, 60, service, "the session service")  # aiohttp listens once its startup is done

        login_url = url + "/api/1/auth/session"
        logins_per_second(login_url, 1.0, concurrency)  # warm up pools and caches
        # Alternate short rounds, so whatever else the machine does weighs on both figures alike.
        raw_rates, hash_cpu, login_counts, login_seconds, login_cpu, errors = [], [], 0, 0.0, 0.0, 0
        in_service_hashing = 0.0  # CPU of the service's own hashing threads (its /metrics)
        cpu_by_process: dict[str, float] = {}
        servers = [service.pid, postgres.process.pid, redis.process.pid]
        for _ in range(rounds):
            rate, cpu_per_hash = raw_hashes_per_second(
                settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism, seconds / rounds
            )
            raw_rates.append(rate)
            hash_cpu.append(cpu_per_hash)
            cpu_before = [cpu.tree_seconds(pid) for pid in servers]
            hashing_before = hashing_seconds(url)
            load = logins_per_second(login_url, seconds / rounds, concurrency)
            in_service_hashing += hashing_seconds(url) - hashing_before
            cpu_after = [cpu.tree_seconds(pid) for pid in servers]
            if None not in cpu_before and None not in cpu_after:
                used = [after - before for before, after in zip(cpu_before, cpu_after)] + [load["cpu"]]
                login_cpu += sum(used)
                for name, seconds_used in zip(("service", "postgres", "redis", "load client"), used):
                    cpu_by_process[name] = cpu_by_process.get(name, 0.0) + seconds_used
            login_counts += load["logins"]
            login_seconds += load["seconds"]
            errors += load["errors"]
        if profile_to is not None:
            import cost

            parts = cost.record(service.pid, profile_to, lambda: logins_per_second(login_url, seconds / rounds, concurrency))
        raw = sum(raw_rates) / rounds
        logins = login_counts / login_seconds
        cpu_per_login = login_cpu / login_counts if login_cpu and login_counts else None
        cpu_per_hash = sum(hash_cpu) / rounds
        return {
            "cpu_ms_per_hash": cpu_per_hash * 1000,
            "cpu_ms_per_login": cpu_per_login * 1000 if cpu_per_login else None,
            "cpu_ratio": cpu_per_hash / cpu_per_login if cpu_per_login else None,
            "cpu_ms_per_login_by_process": {name: used * 1000 / login_counts for name, used in cpu_by_process.items()} if login_counts else {},
            # The service's CPU split: its hashing threads, and everything else it does for a login.
            "service_hash_cpu_ms_per_login": in_service_hashing * 1000 / login_counts if login_counts else None,
            # The same without the load client's share (a Python client: a C generator would cost less).
            "cpu_ratio_servers": cpu_per_hash * login_counts / (login_cpu - cpu_by_process["load client"]) if login_counts and cpu_by_process else None,
            "argon2": {"time_cost": settings.argon2_time_cost, "memory_kib": settings.argon2_memory_kib, "parallelism": settings.argon2_parallelism},
            "raw_hashes_per_second": raw,
            "logins_per_second": logins,
            "login_errors": errors,
            "rounds": rounds,
            "concurrency": concurrency,
            "ratio": logins / raw,
            **({"profile": parts} if profile_to is not None else {}),
        }
    finally:
        if service is not None:
            service.terminate()
            service.wait(10)
        redis.stop()
        postgres.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs (6 s each)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON on the last line")
    parser.add_argument("--seconds", type=float, default=None, help="total length of each measurement (default 20, quick 6)")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds of raw and login measurement (default 5, quick 3)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent login requests (default 8: keeps every hashing thread busy)")
    parser.add_argument("--profile", type=Path, metavar="FILE", help="after the rounds, sample the service with py-spy during one more (raw samples into FILE)")
    parser.add_argument("--load", metavar="URL", help=argparse.SUPPRESS)  # internal: be the load process
    options = parser.parse_args()
    seconds = options.seconds or (6.0 if options.quick else 20.0)
    if options.load:
        print(json.dumps(asyncio.run(_load(options.load, seconds, options.concurrency))))
        return
    figures = run(seconds, options.concurrency, options.rounds or (3 if options.quick else 5), options.profile)
    argon2 = figures["argon2"]
    print(f"argon2id t={argon2['time_cost']} m={argon2['memory_kib']} KiB p={argon2['parallelism']}, {RAW_WORKERS} workers, {figures['rounds']} rounds")
    print(f"raw argon2id hashes/s      {figures['raw_hashes_per_second']:8.1f}")
    print(f"logins/s (POST /api/1/auth/session, {figures['concurrency']} concurrent) {figures['logins_per_second']:8.1f}")
    print(f"ratio logins/s / hashes/s  {figures['ratio']:8.2f}   (target ≥ 0.90)")
    if figures["cpu_ratio"] is not None:
        print(f"CPU per hash {figures['cpu_ms_per_hash']:.1f} ms, per login {figures['cpu_ms_per_login']:.1f} ms (all processes)")
        print(f"CPU ratio hash / login     {figures['cpu_ratio']:8.2f}   (the wall-clock ratio on an idle machine)")
        print(f"CPU ratio without the load client {figures['cpu_ratio_servers']:8.2f}")
        print("CPU ms per login: " + ", ".join(f"{name} {ms:.2f}" for name, ms in figures["cpu_ms_per_login_by_process"].items()))
        in_service = figures["service_hash_cpu_ms_per_login"]
        service = figures["cpu_ms_per_login_by_process"].get("service")
        if in_service and service:
            print(f"of the service's: its hash {in_service:.2f} ms (raw, beside it: {figures['cpu_ms_per_hash']:.2f}), "
                  f"the rest of the login {service - in_service:.2f} ms")
    for part, share in figures.get("profile", {}).items():
        print(f"  {part:<44} {share:5.1f} % of the service's samples")
    if figures["login_errors"]:
        print(f"login errors: {figures['login_errors']}")
    if options.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
