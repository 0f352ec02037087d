"""JSON logs, one object per line, with the request id in every line.

The request id lives in a context variable set by the request middleware, so
any logger anywhere in the request's task picks it up. A redaction filter
masks anything that looks like a credential, as a last line of defence: code
should log `security.short_fingerprint(secret)` and never the secret itself.

A line is formatted (and redacted) where it is logged, then handed to a
writer thread (stdlib QueueHandler/QueueListener) that writes to stderr, one
write for all the lines waiting: the event loop never blocks on a slow log
reader (a full pipe), and a busy process makes one system call per batch
rather than per request. Lines still waiting are written at exit. Past
`MAX_WAITING` lines the logging thread waits for the writer as before:
a log reader stuck for good slows the service down rather than losing
lines or memory.
"""

from __future__ import annotations

import atexit
import contextvars
import json
import logging
import logging.handlers
import os
import queue
import re
import time
from typing import Any

MAX_WAITING = 100_000

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

_SECRET_PATTERNS = [
    (re.compile(r"(?i)(sesskey|apikey|api_key|password|refresh-token|refresh_token|refreshToken|x-api-key|token|state|secret)([\"']?\s*[=:]\s*[\"']?)([^\s&\"',;]+)"), r"\1\2[redacted]"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        fields = getattr(record, "fields", None)
        if fields:
            entry.update({k: redact(v) if isinstance(v, str) else v for k, v in fields.items()})
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class StderrBatches(logging.Handler):
    """The writer thread's handler: lines already formatted, to file descriptor 2 when no more are waiting."""

    def __init__(self, waiting: queue.Queue, fd: int = 2) -> None:
        super().__init__()
        self._waiting = waiting
        self._fd = fd
        self._lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self._lines.append(record.msg)
        if self._waiting.empty() or len(self._lines) >= 512:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            if not self._lines:
                return
            data, self._lines = ("\n".join(self._lines) + "\n").encode("utf-8", "replace"), []
            while data:
                try:
                    written = os.write(self._fd, data)
                except OSError:  # stderr closed: nowhere left to say it
                    return
                data = data[written:]


class _WaitWhenFull(logging.handlers.QueueHandler):
    def enqueue(self, record: logging.LogRecord) -> None:
        self.queue.put(record)


class _Writer:
    """The writer thread behind the root logger's QueueHandler: started once, again in a forked child, drained at exit."""

    def __init__(self) -> None:
        self.handler = _WaitWhenFull(queue.Queue(MAX_WAITING))
        self.handler.setFormatter(JsonFormatter())  # QueueHandler.prepare formats where the line is logged (request id, redaction)
        self._start()
        # A forked child (GATEWAY_WORKERS) has no writer thread and a copy of a queue whose lock the
        # parent's thread may have held: it gets a fresh queue and a thread of its own.
        os.register_at_fork(after_in_child=self._start)
        atexit.register(self.drain)

    def _start(self) -> None:
        waiting: queue.Queue = queue.Queue(MAX_WAITING)
        self._batches = StderrBatches(waiting)
        self._listener = logging.handlers.QueueListener(waiting, self._batches)
        self.handler.queue = waiting
        self._listener.start()
        self._running = True

    def drain(self) -> None:
        """Write every waiting line and stop the thread (at exit, or before an os._exit)."""
        if not self._running:
            return
        self._running = False
        try:
            self._listener.stop()
        except queue.Full:  # a reader stuck for good: what is written so far is all we can say
            return
        self._batches.flush()


_writer: _Writer | None = None


def drain() -> None:
    """Write every log line still waiting; a process leaving by os._exit (a forked worker) calls this first."""
    if _writer is not None:
        _writer.drain()


def configure_logging(service: str, level: str = "INFO") -> None:
    root = logging.getLogger()
    root.setLevel(level)
    global _writer
    if _writer is None:
        _writer = _Writer()
        root.addHandler(_writer.handler)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("latchkey").info("logging configured", extra={"fields": {"service": service}})
