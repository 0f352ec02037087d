"""Log lines go through a writer thread: a reader that stops reading does not stop the process."""

from __future__ import annotations

import json
import select
import subprocess
import sys

LINES = 3000

_CHILD = f"""
import logging
from latchkey.logs import configure_logging
configure_logging("test")
log = logging.getLogger("test")
for i in range({LINES}):
    log.info("line", extra={{"fields": {{"i": i, "padding": "x" * 400}}}})
print("logged", flush=True)
"""


def test_a_stalled_log_reader_does_not_block_logging_and_no_line_is_lost():
    # 3000 lines of ~0.5 kB are far more than a pipe holds (64 kB): written inline, the
    # child would block on stderr until we read it, and never say "logged".
    child = subprocess.Popen([sys.executable, "-c", _CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready, _, _ = select.select([child.stdout], [], [], 20)
        assert ready and child.stdout.readline().strip() == b"logged", "logging blocked on a stderr nobody read"
        _, err = child.communicate(timeout=30)
    finally:
        child.kill()
    lines = [json.loads(line) for line in err.decode().splitlines()]
    assert [line["i"] for line in lines if line.get("msg") == "line"] == list(range(LINES))
    assert child.returncode == 0


_FORKED = """
import logging, os, sys
from latchkey import logs
logs.configure_logging("test")
log = logging.getLogger("test")
log.info("parent before fork")
pid = os.fork()
if pid == 0:
    for i in range(200):
        log.info("child", extra={"fields": {"i": i}})
    logs.drain()
    os._exit(0)
os.waitpid(pid, 0)
log.info("parent after fork")
"""


def test_a_forked_worker_writes_its_own_lines_even_when_it_leaves_by_os_exit():
    done = subprocess.run([sys.executable, "-c", _FORKED], capture_output=True, timeout=30)
    lines = [json.loads(line) for line in done.stderr.decode().splitlines()]
    assert [line["i"] for line in lines if line["msg"] == "child"] == list(range(200))
    assert [line["msg"] for line in lines if line["msg"].startswith("parent")] == ["parent before fork", "parent after fork"]
