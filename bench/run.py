#!/usr/bin/env python3
"""Latchkey benchmarks: what authentication costs, as ratios within one run.

    .venv/bin/python bench/run.py            # full pass (~6 minutes)
    .venv/bin/python bench/run.py --quick    # ~1 minute

Starts the whole system as separate processes (the same `Runner` as
`latchkey up`, embedded PostgreSQL and Redis in a temporary folder), creates
an organization and a user, then measures each scenario with wrk (saturation)
or an open-loop client (latency), each in its own process. Absolute numbers
drift between runs on a shared 2-core machine; the ratios are the result.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402
import latency  # noqa: E402
import load  # noqa: E402

from latchkey.tokens import Principal, TokenSigner  # noqa: E402
from latchkey_cli import config  # noqa: E402
from latchkey_cli.embedded import free_port  # noqa: E402
from latchkey_cli.up import Runner  # noqa: E402

PASSWORD = "bench-password-123"
EMAIL = "bench@example.com"


# What `prepare` (config.apply) leaves in os.environ from a previous stack of the same run.
_PER_STACK = ("DATABASE_URL", "REDIS_URL", "PUBLIC_URL", "SESSION_URLS", "ORG_PROVISIONING_URLS", "OIDC_LINK_URLS")


def start_stack(tmp: Path, extra_env: dict[str, str] | None = None) -> tuple[Runner, dict[str, str]]:
    env = {name: value for name, value in os.environ.items() if name not in _PER_STACK}
    env["LATCHKEY_DATA_DIR"] = str(tmp / "data")
    env["LOG_LEVEL"] = "WARNING"
    env["LOOP_PROBE"] = "true"  # event-loop lag on each process's /metrics, for the latency scenarios
    for variable in ("GATEWAY_PORT", "SESSION_PORT", "ORG_PROVISIONING_PORT", "OIDC_LINK_PORT", "EMBEDDED_POSTGRES_PORT", "EMBEDDED_REDIS_PORT"):
        env[variable] = str(free_port())
    env.update(extra_env or {})
    runner = Runner(env)
    runner.start()
    return runner, runner.service_env


async def prepare(service_env: dict[str, str]) -> dict[str, str]:
    """An organization, a user in it, a session, the user's API key."""
    from latchkey_cli.operations import create_organization, create_user

    config.apply(service_env)
    org = await create_organization("bench", "Bench", None)
    user = await create_user(EMAIL, PASSWORD, org_slug="bench", role="USER", name="Bench User")
    gateway = service_env["PUBLIC_URL"]
    async with aiohttp.ClientSession() as http:
        async with http.post(gateway + "/api/1/auth/session", json={"email": EMAIL, "password": PASSWORD}) as response:
            sesskey = (await response.json())["data"]["sesskey"]
        async with http.get(gateway + "/api/1/users/me/apikey", headers={"Authorization": "Bearer " + sesskey}) as response:
            apikey = (await response.json())["data"]["apikey"]
    return {"org": org["orgId"], "org_id": str(org["id"]), "org_key": org["apiKey"], "userid": str(user["userid"]), "sesskey": sesskey, "apikey": apikey}


def identity_header(service_env: dict[str, str], creds: dict[str, str], audience: str) -> dict[str, str]:
    seed = base64.urlsafe_b64decode(service_env["GATEWAY_SIGNING_KEY"] + "==")
    principal = Principal(sub=creds["userid"], org=int(creds["org_id"]), amr=("pwd",), perms=frozenset({"oauth"}))
    return {"X-Latchkey-Identity": TokenSigner("gateway", seed).identity_token(audience, principal, lifetime=60)}


def start_nginx(tmp: Path, upstream_port: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    text = (Path(__file__).parent / "nginx.conf.template").read_text()
    conf = tmp / "nginx.conf"
    conf.write_text(text.replace("{tmp}", str(tmp)).replace("{port}", str(port)).replace("{upstream_port}", str(upstream_port)))
    process = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return process, port


async def refresh_token_rate(gateway: str, creds: dict[str, str], seconds: float, concurrency: int = 8) -> float:
    headers = {"x-org-id": creds["org"], "x-api-key": creds["org_key"]}
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(http: aiohttp.ClientSession) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            url = f"{gateway}/api/organization/{creds['org']}/user/bench-user/generate-token"
            async with http.post(url, headers=headers) as response:
                token = (await response.json())["refreshToken"]
            async with http.post(gateway + "/api/auth/refresh-token", json={"refreshToken": token}) as response:
                assert response.status == 200, await response.text()
            done += 1

    async with aiohttp.ClientSession() as http:
        update = f"{gateway}/api/organization/{creds['org']}/user/bench-user/update"
        async with http.post(update, headers=headers, json={"email": "bench-user@example.com", "name": "Bench"}) as response:
            assert response.status in (200, 201), await response.text()
        started = time.perf_counter()
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
        return done / (time.perf_counter() - started)


async def redis_memory(service_env: dict[str, str], sessions: int) -> dict[str, float]:
    import redis.asyncio as redis

    from latchkey import credential_cache
    from session.sessions import SessionStore

    client = redis.Redis.from_url(service_env["REDIS_URL"])
    await client.flushdb()
    before = (await client.info("memory"))["used_memory"]
    store = SessionStore(client, idle_timeout=1200, absolute_lifetime=43200)
    batch = 50  # below redis-py's default connection pool size
    for start in range(0, sessions, batch):
        await asyncio.gather(*(
            store.create(user_id=100000 + i, org_id=1, role="USER", perms=frozenset({"oauth"}), amr=("pwd",))
            for i in range(start, min(sessions, start + batch))
        ))
    after_sessions = (await client.info("memory"))["used_memory"]
    cached = sessions // 10
    principal = {"sub": "123456", "org": 1, "role": "USER", "perms": [], "amr": ["api_key"]}
    for start in range(0, cached, batch):
        await asyncio.gather(*(
            credential_cache.write(client, credential_cache.api_key_entry(f"key-{i:030d}"), principal)
            for i in range(start, min(cached, start + batch))
        ))
    after_cache = (await client.info("memory"))["used_memory"]
    await client.flushdb()
    await client.aclose()
    return {"per_session": (after_sessions - before) / sessions, "per_cached_credential": (after_cache - after_sessions) / cached}


def login_ratio(quick: bool) -> dict[str, float] | None:
    script = Path(__file__).parent / "login_bench.py"
    if not script.exists():
        return None
    args = [sys.executable, str(script), "--json"] + (["--quick"] if quick else [])
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a one-minute pass with short runs")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--scale", action="store_true", help="only the scaling scenarios: Redis Cluster, gateway workers (bench/scale.py)")
    parser.add_argument("--compare", type=Path, help="print each figure's ratio to this earlier --json file")
    options = parser.parse_args()
    seconds = 4 if options.quick else 12
    if options.scale:
        import scale

        results, ratios = scale.run_scale(3 if options.quick else 10, rounds=2 if options.quick else 3)
        scale.print_scale(results, ratios)
        if options.json:
            options.json.write_text(json.dumps({"scale": results, "ratios": dict(ratios)}, indent=2))
        return
    sessions = 20_000 if options.quick else 100_000
    tmp = Path(tempfile.mkdtemp(prefix="latchkey-bench-"))
    runner, env = start_stack(tmp)
    nginx = None
    rows: list[tuple[str, str, str, str]] = []
    figures: dict[str, float] = {}
    try:
        creds = asyncio.run(prepare(env))
        gateway, session_url, oidc_url = env["PUBLIC_URL"], env["SESSION_URLS"], env["OIDC_LINK_URLS"]
        me = "/api/1/users/me"

        def measure(name: str, url: str, headers: dict[str, str] | None = None) -> float:
            result = load.wrk(url, seconds=seconds, headers=headers)
            if result.non_2xx or result.socket_errors:
                raise SystemExit(f"bench: {name}: {result.non_2xx} non-2xx, {result.socket_errors} socket errors ({result.errors_line})")
            figures[name] = result.rps
            return result.rps

        direct = measure("direct session /users/me", session_url + me, identity_header(env, creds, "session"))
        if shutil.which("nginx"):
            nginx, nginx_port = start_nginx(tmp, int(session_url.rsplit(":", 1)[1]))
            measure("nginx -> session /users/me", f"http://127.0.0.1:{nginx_port}{me}", identity_header(env, creds, "session"))
        public_direct = measure("public route direct", oidc_url + "/api/v1/sso/providers")
        public_gateway = measure("public route via gateway", gateway + "/api/v1/sso/providers")
        cookie = measure("cookie via gateway", gateway + me, {"Cookie": "sesskey=" + creds["sesskey"]})
        measure("?sesskey= via gateway", gateway + me + "?sesskey=" + creds["sesskey"])
        basic = base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()
        measure("Basic via gateway", gateway + me, {"Authorization": "Basic " + basic})
        measure("?apikey= via gateway", gateway + me + "?apikey=" + creds["apikey"])
        measure("org key via gateway", gateway + f"/api/organization/{creds['org']}/users?limit=10", {"x-org-id": creds["org"], "x-api-key": creds["org_key"]})

        figures["refresh-token generate+exchange /s"] = asyncio.run(refresh_token_rate(gateway, creds, seconds))
        half = cookie / 2
        # Auth overhead alone: the same public route (same upstream work), anonymous and with a
        # session cookie the gateway must verify, slide and turn into a signed identity (bench/latency.py).
        latencies = latency.run_latency(env, creds["sesskey"], tmp, rate=half, seconds=3 if options.quick else 8,
                                        rounds=1 if options.quick else 3)
        memory = asyncio.run(redis_memory(env, sessions))
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait()
        runner.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    login = login_ratio(options.quick)

    def ratio(a: str, b: float) -> float:
        return figures[a] / b

    rows.append(("forwarding: public via gateway / direct", f"{public_gateway / public_direct:.2f}", "≥ 0.45", ""))
    rows.append(("cookie via gateway / direct session", f"{cookie / direct:.2f}", "≥ 0.36", ""))
    rows.append(("Basic / cookie", f"{ratio('Basic via gateway', cookie):.2f}", "≥ 0.70", ""))
    rows.append(("API key / cookie", f"{ratio('?apikey= via gateway', cookie):.2f}", "≥ 0.80", ""))
    rows.append(("?sesskey= / cookie", f"{ratio('?sesskey= via gateway', cookie):.2f}", "", ""))
    rows.append(("org key / cookie", f"{ratio('org key via gateway', cookie):.2f}", "", ""))
    if "nginx -> session /users/me" in figures:
        rows.append(("nginx proxy_pass / direct", f"{ratio('nginx -> session /users/me', direct):.2f}", "(floor)", ""))
    rows.append(("Redis bytes per idle session", f"{memory['per_session']:.0f}", "≤ 300", ""))
    rows.append(("Redis bytes per cached credential", f"{memory['per_cached_credential']:.0f}", "", ""))
    if login:
        rows.append(("logins/s / raw argon2id hashes/s", f"{login['ratio']:.2f}", "≥ 0.90", ""))

    print(f"\n{'scenario':<46} {'req/s':>10}")
    for name, value in figures.items():
        print(f"{name:<46} {value:>10.0f}")
    print(f"\n{'ratio / figure':<46} {'value':>12} {'target':>8}")
    for name, value, target, _ in rows:
        print(f"{name:<46} {value:>12} {target:>8}")
    issue16 = {"session /users/me direct / public route direct": (f"{direct / public_direct:.2f}", ">= 0.4", direct / public_direct >= 0.4)}
    if login:
        issue16["logins/s / raw argon2id hashes/s"] = (f"{login['ratio']:.2f}", ">= 0.9", login["ratio"] >= 0.9)
    print("\n" + latency.rounds_line(latencies))
    latency.print_results(latencies["scenarios"], latencies["alone"], latency.verdicts(latencies["scenarios"], latencies["alone"], issue16),
                          latency.round_verdicts(latencies["rounds"]))
    results = {"throughput": figures, "latency": latencies, "memory": memory, "login": login}
    compare.save_and_compare(results, options.json, options.compare)


if __name__ == "__main__":
    main()
