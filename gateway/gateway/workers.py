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
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from latchkey import logs

log = logging.getLogger("gateway.workers")

RESTART_DELAY_SECONDS = 1.0


def default_workers() -> int:
    """The CPUs this process may run on (a container's cpuset, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


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
