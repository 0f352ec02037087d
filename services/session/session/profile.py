"""A user's own profile: the name and picture they choose (PATCH /api/1/users/me)."""

from __future__ import annotations

import logging
from typing import Any

from latchkey.security_events import Client

from . import security_log
from .account import current_user
from .context import Context
from .fields import check_own_profile
from .repository import UserRecord
from .users import update_profile

log = logging.getLogger("session.profile")


async def update_own_profile(ctx: Context, userid: int, body: dict[str, Any], *, client: Client, method: str | None) -> UserRecord:
    changes = check_own_profile(body)
    user = await current_user(ctx, userid)
    updated = await update_profile(ctx, user, changes)
    await security_log.record(ctx, security_log.PROFILE_UPDATED, updated, client=client, method=method, detail={"fields": sorted(changes)})
    log.info("profile updated", extra={"fields": {"userid": userid, "fields": sorted(changes)}})
    return updated
