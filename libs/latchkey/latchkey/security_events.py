"""The security log: append-only rows of who did what, from where, in the owning service's schema.

Each service that owns events has a `security_events` table of the same shape
(its own migration) and an `EventLog` over it. A row says what happened, to
which user and organization, who did it, from which address and user agent,
by which method and in which request; `detail` holds a few plain facts (a
count, a session's short id). Never a password, token, key or link: callers
pass only what may be shown to the account's owner or its organization admin.

The database refuses UPDATE on the table (a trigger); only the retention job
deletes, by age.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from . import logs
from .errors import ValidationFailed
from .inputs import storable_text
from .user_agents import describe

log = logging.getLogger("latchkey.security_events")

Db = asyncpg.Pool | asyncpg.Connection
_MAX_USER_AGENT = 512


@dataclass(frozen=True, slots=True)
class Client:
    """Where a request came from, as far as the gateway tells us."""

    address: str | None = None
    user_agent: str | None = None

    @classmethod
    def of(cls, request) -> Client:
        """The client the gateway names (X-Real-IP, else the peer) and its User-Agent."""
        address = storable_text(request.headers.get("X-Real-IP")) or request.remote
        return cls.of_values(address, request.headers.get("User-Agent"))

    @classmethod
    def from_json(cls, value: object) -> Client:
        """The end user's client as a calling service saw it, `{"address", "userAgent"}` (optional)."""
        if not isinstance(value, dict):
            return cls()
        return cls.of_values(value.get("address"), value.get("userAgent"))

    @classmethod
    def of_values(cls, address: object, user_agent: object) -> Client:
        address, agent = storable_text(address), storable_text(user_agent)
        return cls(address=address[:64] if address else None, user_agent=agent[:_MAX_USER_AGENT] if agent else None)

    def to_json(self) -> dict[str, str | None]:
        return {"address": self.address, "userAgent": self.user_agent}


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    event: str
    occurred_at: datetime
    user_id: int | None
    org_id: int | None
    actor: str | None
    subject: str | None
    address: str | None
    user_agent: str | None
    method: str | None
    request_id: str | None
    detail: dict[str, Any]

    def out(self) -> dict[str, Any]:
        """The JSON shape both APIs show (camelCase)."""
        return {
            "id": str(self.id),
            "event": self.event,
            "occurredAt": self.occurred_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "userId": self.user_id,
            "actor": self.actor,
            "subject": self.subject,
            "ip": self.address,
            "userAgent": describe(self.user_agent) if self.user_agent else None,
            "method": self.method,
            "requestId": self.request_id,
            "detail": self.detail,
        }


# The OpenAPI schema of `Event.out()`, shared by both services' documents.
EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "event", "occurredAt", "ip", "userAgent", "method", "requestId", "detail"],
    "properties": {
        "id": {"type": "string"},
        "event": {"type": "string", "description": "login.succeeded, login.failed, logout, password.reset, session.revoked, ..."},
        "occurredAt": {"type": "string", "format": "date-time"},
        "userId": {"type": ["integer", "null"]},
        "actor": {"type": ["string", "null"], "description": "Who acted when not the user: 'operator', 'org_key', 'user:<id>'."},
        "subject": {"type": ["string", "null"], "description": "What it acted on: a session id, a userName."},
        "ip": {"type": ["string", "null"]},
        "userAgent": {"type": ["string", "null"]},
        "method": {"type": ["string", "null"]},
        "requestId": {"type": ["string", "null"]},
        "detail": {"type": "object"},
    },
}


_COLUMNS = "id, event, occurred_at, user_id, org_id, actor, subject, address, user_agent, method, request_id, detail"


class EventLog:
    """One service's `<schema>.security_events`."""

    def __init__(self, schema: str) -> None:
        self._table = f'"{schema}".security_events'  # a constant of the service, never input

    async def record(
        self,
        db: Db,
        event: str,
        *,
        client: Client | None,
        method: str | None,
        user_id: int | None = None,
        org_id: int | None = None,
        actor: str | None = None,
        subject: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        client = client or Client()
        await db.execute(
            f"""INSERT INTO {self._table}
                    (event, user_id, org_id, actor, subject, address, user_agent, method, request_id, detail)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)""",
            event, user_id, org_id, actor, subject, client.address, client.user_agent, method,
            logs.request_id.get(), json.dumps(detail or {}),
        )

    async def page(self, db: Db, *, column: str, value: int, limit: int, before: int | None) -> tuple[list[Event], str | None]:
        """Newest first; the cursor is the id of the last row shown."""
        assert column in ("user_id", "org_id")
        rows = await db.fetch(
            f"""SELECT {_COLUMNS} FROM {self._table}
                WHERE {column} = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3""",
            value, before, limit + 1,
        )
        events = [_event(row) for row in rows]
        next_cursor = str(events[limit - 1].id) if len(events) > limit else None
        return events[:limit], next_cursor

    async def prune(self, db: Db, *, retention_days: float) -> int:
        status = await db.execute(
            f"DELETE FROM {self._table} WHERE occurred_at < now() - make_interval(secs => $1)", retention_days * 86400
        )
        return int(status.rsplit(" ", 1)[-1])


def event_cursor(request) -> int | None:
    """`?cursor=`: the id of the last event of the previous page (ids are bigint, so up to 18 digits)."""
    raw = request.query.get("cursor") or ""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise ValidationFailed({"cursor": "is not a cursor this API returned"})
    return int(raw)


def _event(row: asyncpg.Record) -> Event:
    values = dict(row)
    detail = values.pop("detail")
    return Event(**values, detail=json.loads(detail) if isinstance(detail, str) else dict(detail or {}))


def retention_ctx(
    events_of: Callable[[Any], EventLog], pool_of: Callable[[Any], asyncpg.Pool], *, retention_days: float, interval: float = 3600.0
):
    """A `cleanup_ctx` entry: prune rows older than the retention at start, then every `interval` seconds.

    Every instance runs it; a DELETE by age done twice is harmless.
    """

    async def job(events: EventLog, pool: asyncpg.Pool) -> None:
        while True:
            try:
                removed = await events.prune(pool, retention_days=retention_days)
                if removed:
                    log.info("old security events removed", extra={"fields": {"removed": removed}})
            except (asyncpg.PostgresError, OSError) as error:
                log.warning("security event retention failed; will retry", extra={"fields": {"error": type(error).__name__}})
            await asyncio.sleep(interval)

    async def ctx(app) -> AsyncIterator[None]:
        task = asyncio.create_task(job(events_of(app), pool_of(app)), name="security-event-retention")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    return ctx
