"""Real Debian nginx and caddy, started on free ports with the example configurations of examples/forward-auth/.

The examples use the README's addresses (proxy 127.0.0.1:8000, Latchkey :8080, the app
:8090); these functions move them to free ports, wrap nginx's server block in a minimal
nginx.conf, and give Caddy a global block without its admin endpoint, then wait until the
proxy accepts connections. Under CI a missing binary fails the test; elsewhere it skips.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "forward-auth"


def binary(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if path is None:
        message = f"needs Debian {name} (apt-get install {name}); .ci/run installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def example(name: str, *, proxy: int, gateway: int, app: int) -> str:
    text = (EXAMPLES / name).read_text()
    return text.replace("127.0.0.1:8000", f"127.0.0.1:{proxy}").replace("127.0.0.1:8080", f"127.0.0.1:{gateway}").replace(
        "127.0.0.1:8090", f"127.0.0.1:{app}"
    )


def start_nginx(tmp: Path, *, proxy: int, gateway: int, app: int) -> subprocess.Popen:
    (tmp / "site.conf").write_text(example("nginx.conf", proxy=proxy, gateway=gateway, app=app))
    (tmp / "nginx.conf").write_text(
        f"""daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
"""
    )
    process = subprocess.Popen([binary("nginx"), "-c", str(tmp / "nginx.conf"), "-p", str(tmp)], stderr=subprocess.PIPE)
    return _ready(process, proxy, tmp / "nginx-error.log")


def start_caddy(tmp: Path, *, proxy: int, gateway: int, app: int) -> subprocess.Popen:
    (tmp / "Caddyfile").write_text("{\n\tadmin off\n}\n\n" + example("Caddyfile", proxy=proxy, gateway=gateway, app=app))
    env = {**os.environ, "HOME": str(tmp), "XDG_CONFIG_HOME": str(tmp / "config"), "XDG_DATA_HOME": str(tmp / "data")}
    process = subprocess.Popen(
        [binary("caddy"), "run", "--config", str(tmp / "Caddyfile"), "--adapter", "caddyfile"],
        env=env, stdout=subprocess.DEVNULL, stderr=(tmp / "caddy.log").open("wb"),
    )
    return _ready(process, proxy, tmp / "caddy.log")


def _ready(process: subprocess.Popen, port: int, log: Path) -> subprocess.Popen:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"proxy exited: {stderr}{log.read_text() if log.exists() else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            time.sleep(0.05)
            continue
        time.sleep(0.2)  # whoever answered must be this proxy, still running (not a port taken meanwhile)
        if process.poll() is None:
            return process
    process.kill()
    raise AssertionError(f"proxy did not listen on {port}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
