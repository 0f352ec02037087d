"""Reading requests beyond latchkey.inputs: required fields, the caller, timestamps and the account envelope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from latchkey.errors import Forbidden, ForbiddenAuthMethod, ValidationFailed
from latchkey.identity import principal_of
from latchkey.tokens import Principal


def strings(body: dict[str, Any], *names: str) -> tuple[str, ...]:
    """Required non-empty string fields; one ValidationFailed naming every missing one."""
    missing = {name: "is required" for name in names if not isinstance(body.get(name), str) or not body[name]}
    if missing:
        raise ValidationFailed(missing)
    return tuple(body[name] for name in names)


def user_principal(request: web.Request, *, refuse_api_key: bool = False) -> tuple[Principal, int]:
    """The calling user (from the gateway's identity header) and their id."""
    principal = principal_of(request)
    if principal.user_id is None:
        raise Forbidden("This route is for users.")
    if refuse_api_key and principal.is_api_key:
        raise ForbiddenAuthMethod()
    return principal, principal.user_id


def iso8601(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ok(data: dict[str, Any], status: int = 200) -> web.Response:
    """The account API envelope."""
    return web.json_response({"success": True, "data": data}, status=status)
