"""GATEWAY_WORKERS: several gateway processes on one port (SO_REUSEPORT), as `latchkey-gateway` runs them."""

from __future__ import annotations

import asyncio
import glob
import os
import signal
import subprocess
import sys
import tempfile
import time

import aiohttp
import psutil
import pytest

from latchkey_cli.embedded import free_port

pytestmark = pytest.mark.slow


def listeners(process: psutil.Process, port: int) -> bool:
    return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in process.net_connections(kind="tcp"))


async def eventually(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


def start_gateway(base_env: dict[str, str], port: int, workers: int, **extra: str) -> subprocess.Popen:
    dead = f"http://127.0.0.1:{free_port()}"  # /healthz needs no service
    env = {**os.environ, **base_env, "GATEWAY_PORT": str(port), "GATEWAY_WORKERS": str(workers),
           "SESSION_URLS": dead, "ORG_PROVISIONING_URLS": dead, "OIDC_LINK_URLS": dead, "LOG_LEVEL": "WARNING", **extra}
    return subprocess.Popen([sys.executable, "-m", "gateway"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


async def healthz(url: str) -> int:
    # A new connection per request: the kernel picks a worker per connection.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        async with http.get(url + "/healthz") as response:
            return response.status


async def test_two_workers_share_the_port_survive_a_crash_and_stop_on_sigterm(base_env):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    gateway = start_gateway(base_env, port, workers=2)
    parent = psutil.Process(gateway.pid)
    try:
        await eventually(lambda: len(parent.children()) == 2 and all(listeners(c, port) for c in parent.children()))
        assert not listeners(parent, port)  # only the workers listen
        assert await asyncio.gather(*(healthz(url) for _ in range(20))) == [200] * 20

        crashed = parent.children()[0]
        crashed.kill()
        crashed.wait(10)  # until its socket is closed: connections the kernel gave it meanwhile are reset
        assert await asyncio.gather(*(healthz(url) for _ in range(10))) == [200] * 10  # the other one serves
        await eventually(lambda: len(parent.children()) == 2 and crashed.pid not in [c.pid for c in parent.children()])

        # A second gateway on the same port is refused, not silently let in beside the first.
        second = start_gateway(base_env, port, workers=2)
        output, _ = second.communicate(timeout=30)
        assert second.returncode != 0 and b"already in use" in output

        workers = parent.children()
        gateway.send_signal(signal.SIGTERM)
        assert gateway.wait(timeout=15) == 0
        await eventually(lambda: not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers))
    finally:
        if gateway.poll() is None:
            for child in parent.children():
                child.kill()
            gateway.kill()
            gateway.wait()


async def test_a_served_process_has_the_same_http_limits_as_the_tests_in_process(base_env):
    """A 20 KiB request line (a long percent-encoded return_to) reaches the app, and no connection logs a fallback."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    gateway = start_gateway(base_env, port, workers=1)
    try:
        await eventually(lambda: listeners(psutil.Process(gateway.pid), port) or any(
            listeners(child, port) for child in psutil.Process(gateway.pid).children()))
        async with aiohttp.ClientSession() as http:
            async with http.get(url + "/healthz", params={"pad": "a" * 20_000}) as response:
                assert response.status == 200  # aiohttp's default 8 KiB line limit would answer a bare 400
    finally:
        gateway.send_signal(signal.SIGTERM)
        output, _ = gateway.communicate(timeout=15)
    assert b"Failed to create request handler" not in output


async def test_every_scrape_of_several_workers_reports_the_requests_of_all_of_them(base_env):
    """A scrape reaches one worker; what it reports is the whole gateway's, or rates would jump between workers."""
    port, metrics_port = free_port(), free_port()
    url, metrics_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}/metrics"
    leftovers = set(glob.glob(os.path.join(tempfile.gettempdir(), "latchkey-gateway-metrics-*")))
    gateway = start_gateway(base_env, port, workers=2, METRICS_PORT=str(metrics_port))
    parent = psutil.Process(gateway.pid)
    try:
        await eventually(lambda: len(parent.children()) == 2 and all(listeners(c, metrics_port) for c in parent.children()))
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
            for _ in range(40):  # a new connection each: the kernel spreads them over the workers
                async with http.get(url + "/.well-known/jwks.json") as response:
                    assert response.status == 200
            counted = []
            for _ in range(8):
                async with http.get(metrics_url) as response:
                    text = await response.text()
                counted.append(sum(
                    float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                    if line.startswith("latchkey_http_requests_total{") and 'route="/.well-known/jwks.json"' in line
                ))
        assert counted == [40.0] * 8
    finally:
        gateway.send_signal(signal.SIGTERM)
        gateway.wait(timeout=15)
    # The workers' value files go with the gateway.
    assert set(glob.glob(os.path.join(tempfile.gettempdir(), "latchkey-gateway-metrics-*"))) == leftovers
