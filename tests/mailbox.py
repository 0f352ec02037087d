"""Reading what the real SMTP catcher (latchkey_cli.mail_catcher, as `latchkey up` runs it) received."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from latchkey_cli.mail_catcher import MailCatcher

LINK = re.compile(r"https?://\S+[?&]token=([A-Za-z0-9_%-]+)")


@dataclass
class Received:
    path: Path
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()

    @property
    def link(self) -> str:
        return LINK.search(self.text).group(0)

    @property
    def token(self) -> str:
        from urllib.parse import unquote

        return unquote(LINK.search(self.text).group(1))


class Mailbox:
    def __init__(self, catcher: MailCatcher) -> None:
        self.catcher = catcher

    @property
    def smtp_url(self) -> str:
        return self.catcher.smtp_url

    def all(self) -> list[Received]:
        return [Received(path, BytesParser(policy=policy.default).parsebytes(path.read_bytes())) for path in self.catcher.messages()]

    def to(self, address: str) -> list[Received]:
        return [mail for mail in self.all() if mail.to == address]

    async def wait_for(self, address: str, *, count: int = 1, subject: str = "", timeout: float = 10.0) -> Received:
        """The `count`-th message to `address` (whose subject contains `subject`), once it has arrived."""
        deadline = time.monotonic() + timeout
        while True:
            found = [mail for mail in self.to(address) if subject in mail.subject]
            if len(found) >= count:
                return found[count - 1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no message #{count} to {address} ({subject!r}) within {timeout}s: {[m.subject for m in self.all()]}")
            await asyncio.sleep(0.05)
