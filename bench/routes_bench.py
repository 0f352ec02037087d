#!/usr/bin/env python3
"""What protecting the operator's own API costs (issue 10), as ratios within one run.

    .venv/bin/python bench/routes_bench.py            # ~2 minutes
    .venv/bin/python bench/routes_bench.py --quick    # ~40 seconds

Starts the whole system (as `bench/run.py` does) with a routes file for the
example device API (`examples/device-api/device_api.py`, its own process), and
nginx with `auth_request` in front of it. The same upstream endpoint
(`GET /plans`, an in-memory JSON document) is reached every way, so a ratio is
the cost of the hop or of the authentication alone:

    /anon/plans     gateway, a public prefix route (strip_prefix)    anonymous
    /authed/plans   gateway, a user prefix route (strip_prefix)      cookie, Basic, API key
    /direct/plans   nginx proxy_pass                                  anonymous
    /checked/plans  nginx auth_request -> /auth/verify, then proxy    cookie

Throughput by wrk (its own process, 32 connections); latency by the open-loop
client of load.py at half the auth_request path's saturation rate.
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
import cpu  # noqa: E402
import load  # noqa: E402
import run  # noqa: E402

from latchkey_cli.embedded import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ROUTES = """
[upstreams.device-api]
urls = ["http://127.0.0.1:{app}"]

[[routes]]
methods = ["GET"]
prefix = "/anon"
upstream = "device-api"
access = "public"
strip_prefix = true

[[routes]]
methods = ["GET"]
prefix = "/authed"
upstream = "device-api"
access = "user"
strip_prefix = true

[[routes]]
methods = ["GET"]
prefix = "/checked"
upstream = "device-api"
access = "user"
strip_prefix = true
"""
NGINX = """
worker_processes 1;
pid {tmp}/nginx-fa.pid;
error_log {tmp}/nginx-fa-error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream latchkey {{ server 127.0.0.1:{gateway}; keepalive 64; }}
    upstream app {{ server 127.0.0.1:{app}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{port};
        location /direct/ {{
            proxy_pass http://app/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
        location /checked/ {{
            auth_request /_latchkey_verify;
            auth_request_set $latchkey_identity $upstream_http_x_latchkey_identity;
            proxy_set_header X-Latchkey-Identity $latchkey_identity;
            proxy_set_header Authorization "";
            proxy_pass http://app/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
        location = /_latchkey_verify {{
            internal;
            proxy_pass http://latchkey/auth/verify;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI $request_uri;
            proxy_set_header X-Original-Method $request_method;
        }}
    }}
}}
"""


def wait_for(url: str, seconds: float = 15) -> None:
    async def probe() -> None:
        deadline = time.monotonic() + seconds
        async with aiohttp.ClientSession() as http:
            while True:
                try:
                    async with http.get(url) as response:
                        if response.status < 500:
                            return
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"bench: {url} did not answer")
                await asyncio.sleep(0.1)

    asyncio.run(probe())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        raise SystemExit("bench: nginx is needed (apt-get install nginx)")
    seconds = 4 if options.quick else 10
    tmp = Path(tempfile.mkdtemp(prefix="latchkey-routes-bench-"))
    app_port, nginx_port = free_port(), free_port()
    (tmp / "routes.toml").write_text(ROUTES.replace("{app}", str(app_port)))
    os.environ.update(GATEWAY_ROUTES_FILE=str(tmp / "routes.toml"))
    stack = nginx = device_api = None
    figures: dict[str, float] = {}
    gateway_cpu: dict[str, float] = {}
    try:
        stack, env = run.start_stack(tmp)
        creds = asyncio.run(run.prepare(env))
        gateway = env["PUBLIC_URL"]
        gateway_port = int(env["GATEWAY_PORT"])
        device_api = subprocess.Popen(
            [sys.executable, str(ROOT / "examples/device-api/device_api.py"), "--port", str(app_port),
             "--jwks-url", f"{gateway}/.well-known/jwks.json"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(f"http://127.0.0.1:{app_port}/plans")
        (tmp / "nginx.conf").write_text(NGINX.format(tmp=tmp, gateway=gateway_port, app=app_port, port=nginx_port))
        nginx = subprocess.Popen(["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        site = f"http://127.0.0.1:{nginx_port}"
        wait_for(site + "/direct/plans")
        cookie = {"Cookie": "sesskey=" + creds["sesskey"]}
        basic = {"Authorization": "Basic " + base64.b64encode(f"{run.EMAIL}:{run.PASSWORD}".encode()).decode()}

        gateway_pid = next(child.process.pid for child in stack.children if child.name == "gateway")

        def measure(name: str, url: str, headers: dict[str, str] | None = None) -> float:
            cpu_before = cpu.tree_seconds(gateway_pid)
            result = load.wrk(url, seconds=seconds, headers=headers)
            if result.non_2xx or result.socket_errors:
                raise SystemExit(f"bench: {name}: {result.non_2xx} non-2xx, {result.socket_errors} socket errors ({result.errors_line})")
            figures[name] = result.rps
            # The gateway's own CPU per request: steadier than req/s when other work shares the machine.
            gateway_cpu[name] = (cpu.tree_seconds(gateway_pid) - cpu_before) / (result.rps * seconds) * 1e6
            return result.rps

        measure("device API direct", f"http://127.0.0.1:{app_port}/plans")
        anonymous = measure("gateway, public route, anonymous", gateway + "/anon/plans")
        measure("gateway, user route, cookie", gateway + "/authed/plans", cookie)
        measure("gateway, user route, Basic", gateway + "/authed/plans", basic)
        measure("gateway, user route, API key", gateway + "/authed/plans", {"X-API-Key": creds["apikey"]})
        nginx_direct = measure("nginx -> device API", site + "/direct/plans")
        checked = measure("nginx auth_request -> /auth/verify, cookie", site + "/checked/plans", cookie)
        rate, lat_seconds = checked / 2, 3 if options.quick else 8
        direct_latency = load.latency(site + "/direct/plans", headers={}, rate=rate, seconds=lat_seconds)
        checked_latency = load.latency(site + "/checked/plans", headers=cookie, rate=rate, seconds=lat_seconds)
    finally:
        for process in (nginx, device_api):
            if process is not None:
                process.terminate()
                process.wait()
        if stack is not None:
            stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    rows = [
        ("cookie / anonymous, same upstream", figures["gateway, user route, cookie"] / anonymous, "≥ 0.87"),
        ("Basic / anonymous, same upstream", figures["gateway, user route, Basic"] / anonymous, "≥ 0.87"),
        ("API key / anonymous, same upstream", figures["gateway, user route, API key"] / anonymous, "≥ 0.87"),
        ("public route via gateway / direct", anonymous / figures["device API direct"], ""),
        ("gateway CPU per request, cookie / anonymous", gateway_cpu["gateway, user route, cookie"] / gateway_cpu["gateway, public route, anonymous"], ""),
        ("nginx auth_request / nginx direct", checked / nginx_direct, "≥ 0.50"),
        (f"p99 added by auth_request at {rate:.0f} req/s (ms)", checked_latency["p99"] - direct_latency["p99"], "≤ 2.00"),
    ]
    print(f"\n{'scenario':<46} {'req/s':>10} {'gateway CPU µs/req':>20}")
    for name, value in figures.items():
        cpu_text = f"{gateway_cpu[name]:.0f}" if name in gateway_cpu and "direct" not in name and name != "nginx -> device API" else ""
        print(f"{name:<46} {value:>10.0f} {cpu_text:>20}")
    print(f"\n{'ratio / figure':<46} {'value':>8} {'target':>8}")
    for name, value, target in rows:
        print(f"{name:<46} {value:>8.2f} {target:>8}")
    print(f"p50/p99 nginx direct {direct_latency['p50']:.2f}/{direct_latency['p99']:.2f} ms, "
          f"auth_request {checked_latency['p50']:.2f}/{checked_latency['p99']:.2f} ms")
    if options.json:
        latency = {"nginx_direct": direct_latency, "nginx_auth_request": checked_latency}
        options.json.write_text(json.dumps({"throughput": figures, "gateway_cpu_us": gateway_cpu, "latency": latency}, indent=2))


if __name__ == "__main__":
    main()
