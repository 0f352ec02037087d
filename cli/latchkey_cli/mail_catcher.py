"""A local SMTP server (aiosmtpd) that keeps every message as an `.eml` file instead of delivering it.

`latchkey up` runs it as one more child (`python -m latchkey_cli.mail_catcher
--dir DATA/mail --port N`) and points the services' `SMTP_URL` at it; the tests
start the same class in their own process. One line per message names the
recipient and the file, never the link inside: open the file to follow it.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session, SMTP

_sequence = itertools.count(1)


class SaveToFolder:
    """aiosmtpd handler: DATA is written to `<folder>/<time>-<n>.eml`, whole, then announced."""

    def __init__(self, folder: Path, announce=print) -> None:
        self.folder = folder
        self.announce = announce

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        path = self.folder / f"{stamp}-{os.getpid()}-{next(_sequence):04d}.eml"
        partial = path.with_suffix(".part")
        content = envelope.original_content or b""
        partial.write_bytes(content if isinstance(content, bytes) else content.encode())
        partial.replace(path)  # readers never see half a message
        self.announce(f"latchkey: mail to {', '.join(envelope.rcpt_tos)} saved as {path}", flush=True)
        return "250 Message accepted for delivery"


class MailCatcher:
    """The catcher on 127.0.0.1:`port`, in a thread of this process, until `stop()`."""

    def __init__(self, folder: Path, port: int, *, announce=print) -> None:
        self.folder = folder
        self.port = port
        self._controller = Controller(SaveToFolder(folder, announce), hostname="127.0.0.1", port=port)

    @property
    def smtp_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> MailCatcher:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def messages(self) -> list[Path]:
        """Saved messages, oldest first."""
        return sorted(self.folder.glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="latchkey-mail-catcher", description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, type=Path, help="folder for the .eml files")
    parser.add_argument("--port", required=True, type=int)
    args = parser.parse_args(argv)
    catcher = MailCatcher(args.dir, args.port).start()
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    print(f"latchkey: mail catcher on {catcher.smtp_url}, saving to {args.dir}", flush=True)
    stopped.wait()
    catcher.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
