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
