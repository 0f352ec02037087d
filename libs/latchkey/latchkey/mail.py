"""Mail: one small sender (aiosmtplib) behind a Redis-backed outbox, never on a request's critical path.

A request only *queues* a message (one Redis command); a background task in
the owning service takes due messages and hands them to the SMTP server, with
a timeout and retries. So an SMTP server that is down, slow or frozen never
fails or slows the request that caused the mail.

The outbox is a sorted set scored by the time a message is due. Taking a
message leases it (its score moves `lease` seconds ahead) in one atomic
script, so any number of service instances may drain the same outbox; a
process that dies mid-send leaves the lease to run out and another instance
retries (delivery is at least once). Messages are sealed with AES-GCM
(`SecretBox`) because a reset link in a Redis dump would be a live credential.

Log lines name the recipient's fingerprint and the message kind, never a
link or a token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from html import escape
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib
import redis.asyncio as redis

from .security import SecretBox, short_fingerprint, url_token
from .settings import Env, SettingsError

log = logging.getLogger("latchkey.mail")

PRODUCT_NAME = "Latchkey"
OUTBOX = "mail:outbox"

# KEYS[1] outbox, ARGV[1] now, ARGV[2] lease until: the first due member, leased, or nil.
_TAKE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1)
if #due == 0 then return false end
redis.call('ZADD', KEYS[1], ARGV[2], due[1])
return due[1]
"""


@dataclass(frozen=True, slots=True)
class MailSettings:
    smtp_url: str | None  # None: mail is off (messages are logged as not sent, never queued)
    mail_from: str
    timeout: float  # each step of an SMTP conversation (connect, greeting, each command)
    max_attempts: int

    @classmethod
    def from_env(cls, env: Env, *, public_url: str) -> MailSettings:
        smtp_url = env.optional_str("SMTP_URL")
        if smtp_url is not None:
            parts = urlsplit(smtp_url)
            if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
                raise SettingsError("SMTP_URL", "must look like smtp://[user:password@]host[:port] or smtps://...")
            try:
                parts.port  # noqa: B018 - raises on a bad port
            except ValueError:
                raise SettingsError("SMTP_URL", "has a port that is not a number") from None
        host = urlsplit(public_url).hostname or "localhost"
        default_from = formataddr((PRODUCT_NAME, f"no-reply@{host if '.' in host else host + '.localdomain'}"))
        mail_from = env.str("MAIL_FROM", default_from)
        if "@" not in parseaddr(mail_from)[1]:
            raise SettingsError("MAIL_FROM", "must be an address such as 'Latchkey <no-reply@example.com>'")
        return cls(
            smtp_url=smtp_url,
            mail_from=mail_from,
            timeout=env.float("SMTP_TIMEOUT", 10.0, minimum=0.1),
            max_attempts=env.int("SMTP_MAX_ATTEMPTS", 6, minimum=1),
        )


@dataclass(frozen=True, slots=True)
class Mail:
    """One message: who to, what kind (for logs and metrics), subject, plain text and HTML."""

    to: str
    kind: str
    subject: str
    text: str
    html: str

    def to_email(self, mail_from: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = mail_from
        message["To"] = self.to
        message["Subject"] = self.subject
        message["Message-ID"] = make_msgid(domain=parseaddr(mail_from)[1].rpartition("@")[2] or None)
        message["Date"] = formatdate(usegmt=True)
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        return message


def action_mail(*, to: str, kind: str, subject: str, public_url: str, lines: list[str], action: str, url: str, after: str) -> Mail:
    """A message asking for one action: who it is from, why, one link, and what to do if it was not you.

    Plain and specific on purpose: the product name and the site's own address in
    the first line, the full link shown as text (nothing hidden behind a button
    only), no attachment, no urgency beyond the link's real lifetime.
    """
    site = urlsplit(public_url).netloc or public_url
    intro = f"This message comes from {PRODUCT_NAME} at {public_url}."
    text = "\n\n".join([intro, *lines, f"{action}:\n{url}", after, f"-- \n{PRODUCT_NAME} · {public_url}"]) + "\n"
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in lines)
    html = (
        '<!doctype html><html><body style="font-family: sans-serif; color: #1d2330; max-width: 36rem">'
        f"<p>{escape(intro)}</p>{paragraphs}"
        f'<p><a href="{escape(url)}">{escape(action)}</a></p>'
        f'<p style="color: #5b6475">If the link does not open, copy this address into your browser:<br>{escape(url)}</p>'
        f"<p>{escape(after)}</p>"
        f'<p style="color: #5b6475">{escape(PRODUCT_NAME)} · {escape(site)}</p>'
        "</body></html>"
    )
    return Mail(to=to, kind=kind, subject=f"{PRODUCT_NAME}: {subject}", text=text, html=html)


class SmtpSender:
    """One SMTP conversation per message, as the URL says: smtps:// is TLS from the start,
    smtp:// upgrades with STARTTLS whenever the server offers it."""

    def __init__(self, settings: MailSettings) -> None:
        assert settings.smtp_url is not None
        parts = urlsplit(settings.smtp_url)
        self._implicit_tls = parts.scheme == "smtps"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (465 if self._implicit_tls else 25)
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._settings = settings

    async def send(self, mail: Mail) -> None:
        await aiosmtplib.send(
            mail.to_email(self._settings.mail_from),
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            use_tls=self._implicit_tls,
            start_tls=None if not self._implicit_tls else False,  # None: STARTTLS when offered
            timeout=self._settings.timeout,
        )


class Outbox:
    """Messages waiting for the SMTP server, in Redis, sealed."""

    def __init__(
        self,
        client: redis.Redis,
        box: SecretBox,
        settings: MailSettings,
        *,
        lease: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = client
        self._box = box
        self.settings = settings
        # Long enough for every SMTP step to time out once: only a dead process leaves a lease to run out.
        self._lease = lease if lease is not None else settings.timeout * 3 + 5
        self._clock = clock
        self._queued = asyncio.Event()

    @property
    def enabled(self) -> bool:
        return self.settings.smtp_url is not None

    async def put(self, mail: Mail) -> None:
        """Queue `mail` (one Redis command); it is sent after the caller has answered."""
        if not self.enabled:
            log.warning("mail is off (no SMTP_URL); message not sent", extra={"fields": _about(mail)})
            return
        await self._store(mail, attempt=1, due=self._clock())
        self._queued.set()

    async def _store(self, mail: Mail, *, attempt: int, due: float) -> None:
        record = {"id": url_token(9), "attempt": attempt, "mail": _fields(mail)}  # id: two equal mails stay two
        sealed = self._box.seal(json.dumps(record), OUTBOX)
        await self._redis.zadd(OUTBOX, {sealed: due})

    async def take(self) -> tuple[str, Mail, int] | None:
        """The next due message, leased to us: (handle, mail, attempt)."""
        now = self._clock()
        member = await self._redis.eval(_TAKE, 1, OUTBOX, now, now + self._lease)
        if member is None:
            return None
        handle = member.decode() if isinstance(member, bytes) else member
        try:
            record = json.loads(self._box.open(handle, OUTBOX))
            return handle, Mail(**record["mail"]), int(record["attempt"])
        except (ValueError, KeyError, TypeError):  # sealed under another SECRETS_KEY: nobody can send it
            await self._redis.zrem(OUTBOX, handle)
            log.error("undecryptable message dropped from the outbox")
            return None

    async def done(self, handle: str) -> None:
        await self._redis.zrem(OUTBOX, handle)

    async def retry(self, handle: str, mail: Mail, attempt: int) -> bool:
        """Put the message back for a later attempt (exponential backoff); False when it is given up."""
        await self._redis.zrem(OUTBOX, handle)
        if attempt >= self.settings.max_attempts:
            return False
        delay = min(300.0, 2.0**attempt) * random.uniform(0.8, 1.2)
        await self._store(mail, attempt=attempt + 1, due=self._clock() + delay)
        return True

    async def wait_for_work(self, timeout: float) -> None:
        """Until something is queued in this process, or `timeout` (other processes queue too)."""
        try:
            await asyncio.wait_for(self._queued.wait(), timeout)
        except TimeoutError:
            pass
        self._queued.clear()

    async def pending(self) -> int:
        return await self._redis.zcard(OUTBOX)


def _fields(mail: Mail) -> dict[str, str]:
    return {"to": mail.to, "kind": mail.kind, "subject": mail.subject, "text": mail.text, "html": mail.html}


def _about(mail: Mail) -> dict[str, str]:
    return {"kind": mail.kind, "to": short_fingerprint(mail.to.strip().lower())}


async def drain(outbox: Outbox, sender: SmtpSender, *, idle_poll: float = 1.0) -> None:
    """Send queued messages until cancelled. Runs as a background task of the service.

    A cancel that a client library reports as its own error (aiosmtplib does) is delivered
    only once: the loop checks for it on every turn, or a stopped service's drainer would
    live on in the event loop, taking other messages and sending them to its stale SMTP server.
    """
    while True:
        if asyncio.current_task().cancelling():
            raise asyncio.CancelledError()
        try:
            taken = await outbox.take()
        except (redis.RedisError, OSError):
            log.warning("outbox unavailable; retrying", exc_info=False)
            await asyncio.sleep(idle_poll)
            continue
        if taken is None:
            await outbox.wait_for_work(idle_poll)
            continue
        handle, mail, attempt = taken
        try:
            await sender.send(mail)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            if asyncio.current_task().cancelling():  # not a failed delivery: the message stays leased, sent later
                raise asyncio.CancelledError() from error
            again = await outbox.retry(handle, mail, attempt)
            log.warning(
                "mail not delivered" + ("; will retry" if again else "; given up"),
                extra={"fields": {**_about(mail), "attempt": attempt, "error": type(error).__name__}},
            )
            continue
        await outbox.done(handle)
        log.info("mail sent", extra={"fields": {**_about(mail), "attempt": attempt}})


SHUTDOWN_WAIT_SECONDS = 3.0


def drain_ctx(outbox_of: Callable[[object], Outbox]):
    """A `cleanup_ctx` entry: the drainer runs while the app does (when mail is on)."""

    async def ctx(app) -> object:
        outbox = outbox_of(app)
        task = None
        if outbox.enabled:
            task = asyncio.create_task(drain(outbox, SmtpSender(outbox.settings)), name="mail-outbox")
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                # Bounded: a message half-sent when the service stops is sent again later (the outbox keeps
                # it until `done`), so shutdown never waits on an SMTP server that does not answer.
                await asyncio.wait({task}, timeout=SHUTDOWN_WAIT_SECONDS)

    return ctx
