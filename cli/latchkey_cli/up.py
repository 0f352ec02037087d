"""`latchkey up`: the whole system on one machine, from one command.

Starts (unless `DATABASE_URL`/`REDIS_URL` name external ones) a real
PostgreSQL and Redis from Python packages in the data folder, applies the
migrations, starts session, org-provisioning, oidc-link and the gateway as
separate processes, waits until each answers `/readyz`, prints the gateway
URL (and on first run a demo organization and user), and on Ctrl-C stops
everything: services first, then Redis, then PostgreSQL with a clean shutdown.

While it runs it supervises its children (the services and the mail
catcher): one that dies is started again after a backoff (0.5 s, doubling to
30 s while it keeps dying young), with a line saying so, and the others keep
serving meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from latchkey import security
from latchkey.settings import load_environment

from . import config, devconfig, migrate
from .embedded import EmbeddedError, EmbeddedPostgres, EmbeddedRedis, die_with_parent, port_is_free, wait_for_port

DEMO_ORG = "demo"
DEMO_EMAIL = "demo@example.com"


@dataclass(frozen=True)
class ServiceProcess:
    name: str
    module: str
    port_variable: str
    default_port: int


SERVICES = [
    ServiceProcess("session", "session", "SESSION_PORT", 8081),
    ServiceProcess("org-provisioning", "org_provisioning", "ORG_PROVISIONING_PORT", 8082),
    ServiceProcess("oidc-link", "oidc_link", "OIDC_LINK_PORT", 8083),
    ServiceProcess("gateway", "gateway", "GATEWAY_PORT", 8080),
]


class StartupError(Exception):
    pass


# A child that lived this long before dying was healthy: its next restart is quick again.
STABLE_AFTER = 30.0
FIRST_BACKOFF, MAX_BACKOFF = 0.5, 30.0


@dataclass
class Child:
    """One supervised process, how to start it again, and its restart state."""

    name: str
    start: Callable[[], subprocess.Popen]
    process: subprocess.Popen
    started_at: float
    backoff: float = FIRST_BACKOFF
    restart_at: float | None = None  # set while it is down and waiting for its restart


def _port(env: dict[str, str], variable: str, default: int) -> int:
    value = env.get(variable)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise StartupError(f"{variable} must be a port number, got {value!r}") from None


def _check_ports(ports: dict[str, int]) -> None:
    for variable, port in ports.items():
        if not port_is_free(port):
            raise StartupError(f"port {port} is already in use; set {variable} to a free port")


def _wait_ready(url: str, process: subprocess.Popen, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StartupError(f"{name} exited with code {process.returncode} while starting (see its log above)")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise StartupError(f"{name} was not ready within {timeout:.0f}s")


class Runner:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.data_dir = config.data_dir(env)
        self.postgres: EmbeddedPostgres | None = None
        self.redis: EmbeddedRedis | None = None
        self.children: list[Child] = []
        self.stopping = False
        self.signup_enabled = False

    def start(self) -> str:
        env = self.env
        ports = {p.port_variable: _port(env, p.port_variable, p.default_port) for p in SERVICES}
        embedded_pg = not env.get("DATABASE_URL")
        embedded_redis = not env.get("REDIS_URL")
        if embedded_pg:
            ports["EMBEDDED_POSTGRES_PORT"] = _port(env, "EMBEDDED_POSTGRES_PORT", 54329)
        if embedded_redis:
            ports["EMBEDDED_REDIS_PORT"] = _port(env, "EMBEDDED_REDIS_PORT", 63799)
        ports["METRICS_PORT"] = _port(env, "METRICS_PORT", 9464)  # the gateway's /metrics, off its public port
        if not env.get("SMTP_URL"):
            ports["EMBEDDED_SMTP_PORT"] = _port(env, "EMBEDDED_SMTP_PORT", 1025)
        _check_ports(ports)

        self.data_dir.mkdir(parents=True, exist_ok=True)
        service_env = {**devconfig.ensure_secrets(self.data_dir), **env}
        if embedded_pg:
            self.postgres = EmbeddedPostgres(self.data_dir / "postgres", ports["EMBEDDED_POSTGRES_PORT"], log_file=self.data_dir / "postgres.log")
            self.postgres.start()
            service_env["DATABASE_URL"] = asyncio.run(migrate.ensure_database(self.postgres.url, "latchkey"))
        if embedded_redis:
            self.redis = EmbeddedRedis(self.data_dir / "redis", ports["EMBEDDED_REDIS_PORT"], log_file=self.data_dir / "redis.log")
            self.redis.start()
            service_env["REDIS_URL"] = self.redis.url
        gateway_url = f"http://127.0.0.1:{ports['GATEWAY_PORT']}"
        service_env.setdefault("PUBLIC_URL", gateway_url)
        service_env.setdefault("SESSION_URLS", f"http://127.0.0.1:{ports['SESSION_PORT']}")
        service_env.setdefault("ORG_PROVISIONING_URLS", f"http://127.0.0.1:{ports['ORG_PROVISIONING_PORT']}")
        service_env.setdefault("OIDC_LINK_URLS", f"http://127.0.0.1:{ports['OIDC_LINK_PORT']}")
        # The demo lets anyone create an account (its mail goes to the local catcher); production's default is off.
        service_env.setdefault("SIGNUP_ENABLED", "true")
        self.signup_enabled = service_env["SIGNUP_ENABLED"].strip().lower() in ("1", "true", "yes", "on")
        catcher = None
        if "EMBEDDED_SMTP_PORT" in ports:
            catcher = self._start_mail_catcher(ports["EMBEDDED_SMTP_PORT"])
            service_env["SMTP_URL"] = f"smtp://127.0.0.1:{ports['EMBEDDED_SMTP_PORT']}"
        for port_variable, port in ports.items():
            service_env[port_variable] = str(port)
        self._write_runtime_env(service_env)

        applied = asyncio.run(migrate.migrate_all(service_env["DATABASE_URL"]))
        if applied:
            print(f"latchkey: applied {len(applied)} migration(s)", flush=True)

        self.service_env = service_env
        for service in SERVICES:
            start = self._service_starter(service)
            self.children.append(Child(service.name, start, start(), time.monotonic()))
        for child, service in zip(self.children, SERVICES):
            _wait_ready(f"http://127.0.0.1:{ports[service.port_variable]}", child.process, child.name, timeout=45)
        if catcher is not None:
            port = ports["EMBEDDED_SMTP_PORT"]
            self.children.append(Child("mail-catcher", lambda: self._start_mail_catcher(port), catcher, time.monotonic()))
        return service_env["PUBLIC_URL"]

    def _service_starter(self, service: ServiceProcess) -> Callable[[], subprocess.Popen]:
        def start() -> subprocess.Popen:
            return subprocess.Popen(
                [sys.executable, "-m", service.module],
                env={**os.environ, **self.service_env},
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_parent(signal.SIGTERM),
            )

        return start

    def _start_mail_catcher(self, port: int) -> subprocess.Popen:
        """The local SMTP catcher (latchkey_cli.mail_catcher): mail lands in <data>/mail/ as .eml files."""
        process = subprocess.Popen(
            [sys.executable, "-m", "latchkey_cli.mail_catcher", "--dir", str(self.data_dir / "mail"), "--port", str(port)],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent(signal.SIGTERM),
        )
        wait_for_port(port, 15, process, "the mail catcher")
        return process

    def _write_runtime_env(self, values: dict[str, str]) -> None:
        path = config.runtime_env_file(self.env)
        keep = ("DATABASE_URL", "REDIS_URL", "SMTP_URL", "PUBLIC_URL", "SESSION_URLS", "ORG_PROVISIONING_URLS", "OIDC_LINK_URLS")
        lines = [f"{k}={values[k]}" for k in keep if k in values]
        lines += [f"{k}={v}" for k, v in devconfig.ensure_secrets(self.data_dir).items()]
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("\n".join(lines) + "\n")

    def watch(self) -> int:
        """Supervise until a signal: a child that dies is started again after its backoff."""
        while not self.stopping:
            now = time.monotonic()
            for child in self.children:
                self._supervise(child, now)
            time.sleep(0.2)
        return 0

    def _supervise(self, child: Child, now: float) -> None:
        if child.restart_at is None:
            code = child.process.poll()
            if code is None:
                return
            if now - child.started_at >= STABLE_AFTER:
                child.backoff = FIRST_BACKOFF
            child.restart_at = now + child.backoff
            print(f"latchkey: {child.name} exited with code {code}; restarting in {child.backoff:g}s", file=sys.stderr, flush=True)
            child.backoff = min(child.backoff * 2, MAX_BACKOFF)
        elif now >= child.restart_at:
            try:
                child.process = child.start()
            except (OSError, EmbeddedError) as error:  # could not even start: count it as one more death
                print(f"latchkey: {child.name} did not start ({error})", file=sys.stderr, flush=True)
                child.restart_at = now + child.backoff
                return
            child.started_at, child.restart_at = now, None
            print(f"latchkey: {child.name} restarted (pid {child.process.pid})", file=sys.stderr, flush=True)

    def stop(self) -> None:
        for child in self.children:
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        for process in (child.process for child in self.children):
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.redis:
            self.redis.stop()
        if self.postgres:
            self.postgres.stop()


def _first_run_demo(runner: Runner) -> dict | None:
    """Create the demo organization and user once; returns what to print."""
    marker = runner.data_dir / "demo.json"
    if marker.exists():
        return None
    from .operations import create_organization, create_user

    config.apply(runner.service_env)
    org = asyncio.run(create_organization(DEMO_ORG, "Demo Organization", None))
    password = security.url_token(12)
    user = asyncio.run(create_user(DEMO_EMAIL, password, org_slug=DEMO_ORG, role="ADMIN", name="Demo Admin"))
    marker.write_text(json.dumps({"orgId": org["orgId"], "email": DEMO_EMAIL, "userid": user["userid"]}))
    return {"organization": org, "user": {"email": DEMO_EMAIL, "password": password, "userid": user["userid"]}}


def up() -> int:
    env = load_environment()
    runner = Runner(env)

    def on_signal(signum, _frame):
        runner.stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 1
    try:
        url = runner.start()
        demo = _first_run_demo(runner)
        print(f"latchkey: ready at {url}", flush=True)
        if demo:
            org, user = demo["organization"], demo["user"]
            print(f"latchkey: demo organization {org['orgId']!r} (id {org['id']}), API key {org['apiKey']}", flush=True)
            print(f"latchkey: demo user {user['email']} password {user['password']} (shown once)", flush=True)
        if runner.signup_enabled:
            print(f"latchkey: sign-up is on for this demo: anyone can create an account at {url}/signup (SIGNUP_ENABLED=false turns it off)", flush=True)
        print("latchkey: press Ctrl-C to stop", flush=True)
        code = runner.watch()
    except (StartupError, EmbeddedError) as error:
        print(f"latchkey: {error}", file=sys.stderr, flush=True)
        code = 1
    finally:
        runner.stop()
        print("latchkey: stopped", flush=True)
    return code
