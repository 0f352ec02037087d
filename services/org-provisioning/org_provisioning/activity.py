"""The organization's security log (docs/api.md §7): provisioning, generate-token, handoffs, key rotation, settings.

Written by this service after each action it owns; read by the organization's
admins (`GET /api/organization/{orgId}/events`). Rows name users by id and
userName and changes by field name; never a token, key or value of a secret.
"""

from __future__ import annotations

from typing import Any

from latchkey.security_events import Client, Db, Event, EventLog
from latchkey.tokens import Principal

from . import SCHEMA
from .repository import OrganizationRow

USER_PROVISIONED = "user.provisioned"  # created or updated by the organization's platform
USER_DEPROVISIONED = "user.deprovisioned"
REFRESH_TOKEN_ISSUED = "refresh_token.issued"  # generate-token
HANDOFF_COMPLETED = "handoff.completed"  # a refresh token became a session
API_KEY_ROTATED = "api_key.rotated"
SETTINGS_CHANGED = "settings.changed"

OPERATOR = "operator"  # the actor of a change made with the `latchkey` CLI

EVENTS = EventLog(SCHEMA)


def actor_of(principal: Principal | None) -> str | None:
    if principal is None:
        return None
    return "org_key" if principal.is_org_key else f"user:{principal.sub}"


async def record(
    db: Db,
    event: str,
    org: OrganizationRow,
    *,
    principal: Principal | None,
    client: Client | None,
    user_id: int | None = None,
    subject: str | None = None,
    method: str | None = None,
    detail: dict[str, Any] | None = None,
    actor: str | None = None,
) -> None:
    await EVENTS.record(
        db,
        event,
        client=client,
        method=method or (",".join(principal.amr) if principal else None),
        user_id=user_id,
        org_id=org.id,
        actor=actor or actor_of(principal),
        subject=subject,
        detail=detail,
    )


async def org_events(db: Db, org: OrganizationRow, *, limit: int, cursor: int | None) -> tuple[list[Event], str | None]:
    return await EVENTS.page(db, column="org_id", value=org.id, limit=limit, before=cursor)
