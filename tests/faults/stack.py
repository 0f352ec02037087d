"""A whole Latchkey on its own PostgreSQL and Redis, for breaking things on purpose.

The suite's shared servers are never touched: this stack starts its own
embedded PostgreSQL and Redis (with its append-only file, as in production),
and `latchkey up` (the supervisor users run) on top of them, in a real process
with its own data folder and free ports. A fault is then done to a real
process: stopped, frozen with SIGSTOP, or killed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from latchkey_cli import migrate
from latchkey_cli.embedded import EmbeddedPostgres, EmbeddedRedis, free_port
from tests.foundation.test_up import DEMO_ORG_LINE, DEMO_USER_LINE, Up

SERVICE_PORTS = ("GATEWAY_PORT", "SESSION_PORT", "ORG_PROVISIONING_PORT", "OIDC_LINK_PORT", "METRICS_PORT", "EMBEDDED_SMTP_PORT")


@dataclass
class Stack:
    postgres: EmbeddedPostgres
    redis: EmbeddedRedis
    up: Up
    env: dict[str, str]
    org_key: str
    password: str

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.env['GATEWAY_PORT']}"

    def service_process(self, module: str) -> psutil.Process:
        """The running process of one service (`org_provisioning`, ...) under the supervisor."""
        for child in psutil.Process(self.up.process.pid).children():
            if child.cmdline()[-2:] == ["-m", module]:
                return child
        raise LookupError(f"{module} is not running")

    @contextmanager
    def frozen(self, server: EmbeddedPostgres | EmbeddedRedis) -> Iterator[None]:
        """SIGSTOP the server and (for PostgreSQL) every backend: it accepts connections and answers nothing."""
        assert server.process is not None
        root = psutil.Process(server.process.pid)
        family = [root, *root.children(recursive=True)]
        for process in family:
            process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            for process in family:
                try:
                    process.send_signal(signal.SIGCONT)
                except psutil.NoSuchProcess:
                    pass


@contextmanager
def running_stack(**settings: str) -> Iterator[Stack]:
    with tempfile.TemporaryDirectory(prefix="latchkey-faults-") as folder:  # outside pytest's 0700 basetemp (PostgreSQL as nobody)
        root = Path(folder)
        postgres = EmbeddedPostgres(root / "postgres", free_port(), fast=True, log_file=root / "postgres.log")
        redis = EmbeddedRedis(root / "redis", free_port(), persistent=True, log_file=root / "redis.log")
        postgres.start()
        redis.start()
        up = None
        try:
            database_url = asyncio.run(migrate.ensure_database(postgres.url, "latchkey"))
            env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "TMPDIR")}
            env |= {
                "LATCHKEY_DATA_DIR": str(root / "data"),
                "LATCHKEY_ENV_FILE": str(root / "no.env"),
                "PYTHONUNBUFFERED": "1",
                "DATABASE_URL": database_url,
                "REDIS_URL": redis.url,
                "ARGON2_TIME_COST": "1",
                "ARGON2_MEMORY_KIB": "1024",
                **{variable: str(free_port()) for variable in SERVICE_PORTS},
                **settings,
            }
            up = Up(env, root)
            up.wait_ready(f"http://127.0.0.1:{env['GATEWAY_PORT']}", timeout=90)
            org_line, user_line = DEMO_ORG_LINE.search(up.output), DEMO_USER_LINE.search(up.output)
            assert org_line and user_line, up.output
            yield Stack(postgres, redis, up, env, org_line.group(1), user_line.group(1))
        finally:
            if up is not None:
                up.process.send_signal(signal.SIGINT)
                try:
                    up.process.wait(20)
                except Exception:
                    up.kill_everything()
            redis.stop()
            postgres.stop()
