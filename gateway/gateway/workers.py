"""GATEWAY_WORKERS: one gateway process per core, all listening on the same port.

Each worker is a forked copy that builds its own app (its own Redis client,
its own keep-alive pools to the services) and binds the port with
SO_REUSEPORT, so the kernel spreads new connections over the workers; no
worker holds anything another needs (sessions and caches live in Redis).
The parent only supervises: it forks before any event loop or pool exists,
restarts a worker that dies (after a second, so a crash loop cannot spin),
and on SIGTERM or SIGINT passes the signal on and waits for every worker to
finish its requests.

With one worker (the default in tests) nothing is forked.

Metrics: each worker counts its own requests, and a scrape of METRICS_PORT
reaches whichever worker the kernel picks. So that every scrape reports the
whole gateway (a counter that jumped between workers' values would make every
rate meaningless), several workers keep their values in prometheus_client's
multiprocess files (`share_metrics`) and each `/metrics` sums them all.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from typing import Any

from latchkey import logs

log = logging.getLogger("gateway.workers")

RESTART_DELAY_SECONDS = 1.0
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def default_workers() -> int:
    """The CPUs this process may run on (a container's cpuset, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def share_metrics(environ: Mapping[str, str]) -> str | None:
    """For several workers, a new directory for prometheus_client's multiprocess values (PROMETHEUS_MULTIPROC_DIR).

    prometheus_client picks where values live when it is imported, so this runs first,
    from the raw GATEWAY_WORKERS (Settings, which imports it, says later if that is wrong).
    The parent removes the directory at exit. An operator's own PROMETHEUS_MULTIPROC_DIR is used as it
    is (emptying it between starts is then theirs, as prometheus_client asks).
    """
    raw = environ.get("GATEWAY_WORKERS", "").strip()
    count = default_workers() if not raw else int(raw) if raw.isascii() and raw.isdigit() else 1
    if count <= 1 or MULTIPROCESS_DIR in environ:
        return None
    path = tempfile.mkdtemp(prefix="latchkey-gateway-metrics-")
    os.environ[MULTIPROCESS_DIR] = path
    atexit.register(shutil.rmtree, path, True)  # the workers leave with os._exit, which skips it
    return path


def run_workers(count: int, serve_one: Callable[[], Any]) -> int:
    """Fork `count` workers that each call `serve_one` (which serves until a signal); the exit code."""
    workers: dict[int, int] = {}  # pid -> slot
    stopping = False

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker: default signal handling, serve, and never return into the parent's loop
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                serve_one()
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
            except BaseException:
                log.exception("gateway worker failed")
                code = 1
            finally:
                logs.drain()  # os._exit skips atexit, where the log writer thread would empty its queue
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        workers[pid] = slot

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(workers):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for slot in range(count):
        spawn(slot)
    while workers:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        slot = workers.pop(pid, None)
        if slot is None or stopping:
            continue
        code = os.waitstatus_to_exitcode(status)
        log.warning("gateway worker exited; starting another", extra={"fields": {"pid": pid, "code": code}})
        time.sleep(RESTART_DELAY_SECONDS)
        if not stopping:
            spawn(slot)
    return 0
