"""The README's run command, as a user runs it: `latchkey up` in a real process.

Each run gets its own data folder and free ports, so it never meets a
developer's running system. What a user would notice is checked: the time to
ready, the first-run demo credentials, a clean Ctrl-C that leaves nothing
behind, a restart that keeps the data, and a clear refusal of a busy port.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from latchkey_cli.embedded import free_port

pytestmark = pytest.mark.slow

PORT_VARIABLES = (
    "GATEWAY_PORT",
    "SESSION_PORT",
    "ORG_PROVISIONING_PORT",
    "OIDC_LINK_PORT",
    "EMBEDDED_POSTGRES_PORT",
    "EMBEDDED_REDIS_PORT",
    "EMBEDDED_SMTP_PORT",
    "METRICS_PORT",
)
DEMO_ORG_LINE = re.compile(r"demo organization 'demo' \(id \d+\), API key (\S+)")
DEMO_USER_LINE = re.compile(r"demo user demo@example\.com password (\S+) \(shown once\)")


class Up:
    """One `python -m latchkey_cli.main up` process and everything it printed."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "latchkey_cli.main", "up"],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_ready(self, gateway_url: str, timeout: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                pytest.fail(f"latchkey up exited with {self.process.returncode}:\n{self.output}")
            if any(line.startswith("latchkey: ready at") for line in self.lines) and _ready(gateway_url):
                return time.monotonic() - started
            time.sleep(0.2)
        pytest.fail(f"latchkey up was not ready within {timeout:.0f}s:\n{self.output}")

    def interrupt(self, timeout: float) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code

    def kill_everything(self) -> None:
        """After a failed test: leave no server behind, whatever state it is in."""
        if self.process.poll() is not None:
            return
        try:
            family = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            family = []
        for process in [*family, psutil.Process(self.process.pid)]:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        self.process.wait(10)


def _status(url: str, *, body: dict | None = None, headers: dict[str, str] | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _ready(gateway_url: str) -> bool:
    try:
        with urllib.request.urlopen(gateway_url + "/readyz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def tmp_path() -> Iterator[Path]:
    """A folder outside pytest's basetemp: when run as root, PostgreSQL runs as `nobody`
    and must traverse to its data, but every pytest start resets pytest-of-<user> to 0700."""
    with tempfile.TemporaryDirectory(prefix="latchkey-up-test-") as folder:
        yield Path(folder)


@pytest.fixture
def up_env(tmp_path: Path) -> dict[str, str]:
    """A clean environment: its own data folder, free ports, no outside configuration."""
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "TMPDIR")}
    env["LATCHKEY_DATA_DIR"] = str(tmp_path / "data")
    env["LATCHKEY_ENV_FILE"] = str(tmp_path / "no.env")
    env["PYTHONUNBUFFERED"] = "1"
    env["GATEWAY_WORKERS"] = "1"  # several: tests/scale/test_gateway_workers.py
    for variable in PORT_VARIABLES:
        env[variable] = str(free_port())
    return env


def _leftovers(data_dir: str, ports: set[int]) -> list[str]:
    """Processes of ours still alive: by data folder (command line, cwd, environment) or by port."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline", "cwd"]):
        try:
            mine = data_dir in " ".join(process.info["cmdline"] or ()) or (process.info["cwd"] or "").startswith(data_dir)
            mine = mine or process.environ().get("LATCHKEY_DATA_DIR") == data_dir
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        if mine and process.pid != os.getpid():
            found.append(f"pid {process.pid}: {' '.join(process.info['cmdline'] or ())}")
    for connection in psutil.net_connections(kind="inet"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port in ports:
            found.append(f"port {connection.laddr.port} still listening (pid {connection.pid})")
    return found


def _org_show(env: dict[str, str], cwd: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "latchkey_cli.main", "org", "show", "demo"], env=env, cwd=cwd, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_up_serves_the_demo_stops_cleanly_on_ctrl_c_and_keeps_it_across_restarts(up_env, tmp_path):
    gateway_url = f"http://127.0.0.1:{up_env['GATEWAY_PORT']}"
    ports = {int(up_env[v]) for v in PORT_VARIABLES}
    data_dir = up_env["LATCHKEY_DATA_DIR"]

    first = Up(up_env, tmp_path)
    try:
        assert first.wait_ready(gateway_url, timeout=60) < 60
        org_line = DEMO_ORG_LINE.search(first.output)
        user_line = DEMO_USER_LINE.search(first.output)
        assert org_line and user_line, first.output
        # The demo user's confirmation mail reached the local catcher, saved under <data>/mail/, named without its link.
        deadline = time.monotonic() + 20
        while not list(Path(data_dir, "mail").glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.1)
        (saved,) = Path(data_dir, "mail").glob("*.eml")
        assert b"/verify-email?token=" in saved.read_bytes()
        mail_line = next(line for line in first.lines if line.startswith("latchkey: mail to demo@example.com saved as"))
        assert mail_line.endswith(str(saved)) and "token" not in mail_line
        # The leftover check below can see a running system (PostgreSQL, Redis, services, ports).
        running = _leftovers(data_dir, ports)
        assert len([p for p in running if p.startswith("port")]) == len(ports), running
        assert first.interrupt(timeout=20) == 0, first.output
    finally:
        first.kill_everything()
    assert first.lines[-1] == "latchkey: stopped"
    assert _leftovers(data_dir, ports) == []

    second = Up(up_env, tmp_path)
    try:
        second.wait_ready(gateway_url, timeout=60)
        assert "demo organization" not in second.output and "demo user" not in second.output
        # The demo organization and user survived the restart, with the credentials printed the first time.
        assert _org_show(up_env, tmp_path)["apiKey"] == org_line.group(1)
        org_key = {"x-org-id": "demo", "x-api-key": org_line.group(1)}
        assert _status(gateway_url + "/api/organization/demo/users", headers=org_key) == 200
        login = {"email": "demo@example.com", "password": user_line.group(1)}
        assert _status(gateway_url + "/api/1/auth/session", body=login) == 200
        assert second.interrupt(timeout=20) == 0, second.output
    finally:
        second.kill_everything()
    assert _leftovers(data_dir, ports) == []


def test_up_refuses_a_port_in_use_and_names_the_variable(up_env, tmp_path):
    busy = int(up_env["GATEWAY_PORT"])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", busy))
        holder.listen()
        result = subprocess.run(
            [sys.executable, "-m", "latchkey_cli.main", "up"], env=up_env, cwd=tmp_path, capture_output=True, text=True, timeout=30
        )
    assert result.returncode != 0
    assert result.stderr.strip() == f"latchkey: port {busy} is already in use; set GATEWAY_PORT to a free port"
    assert _leftovers(up_env["LATCHKEY_DATA_DIR"], {int(up_env[v]) for v in PORT_VARIABLES} - {busy}) == []


def test_a_killed_runner_leaves_no_server_behind(up_env, tmp_path):
    """SIGKILL gives the runner no chance to clean up: its children must go by themselves."""
    gateway_url = f"http://127.0.0.1:{up_env['GATEWAY_PORT']}"
    ports = {int(up_env[v]) for v in PORT_VARIABLES}
    data_dir = up_env["LATCHKEY_DATA_DIR"]
    runner = Up(up_env, tmp_path)
    try:
        runner.wait_ready(gateway_url, timeout=60)
        runner.process.kill()
        runner.process.wait(10)
        deadline = time.monotonic() + 20
        while _leftovers(data_dir, ports) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        runner.kill_everything()
    assert _leftovers(data_dir, ports) == []
