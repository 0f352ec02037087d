"""Reading requests: bodies (JSON or form-encoded), fields, the caller and the client address."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from latchkey.errors import BadRequest, Forbidden, ForbiddenAuthMethod, UnsupportedMediaType, ValidationFailed
from latchkey.text import is_storable, unstorable_fields
from latchkey.tokens import Principal
from latchkey.web import principal_of

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_body(request: web.Request, *, form: bool = True) -> dict[str, Any]:
    """The body as a dict: a JSON object, or (when `form`) form fields as browsers post them."""
    content_type = request.content_type
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            body = json.loads(await request.read() or b"{}")
        except (ValueError, RecursionError):  # malformed, not UTF-8, or nested past the parser's depth
            raise BadRequest("The body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise BadRequest("The body must be a JSON object.")
        return _clean_text(body)
    if form and content_type in FORM_TYPES:
        try:
            fields = await request.post()
        except ValueError:  # not UTF-8, or a broken multipart body
            raise BadRequest("The form body cannot be read.") from None
        return _clean_text({key: value for key, value in fields.items() if isinstance(value, str)})
    if not await request.read():
        return {}
    raise UnsupportedMediaType()


def _clean_text(body: dict[str, Any]) -> dict[str, Any]:
    """The body, once no string in it holds a NUL or a lone surrogate (400 naming the fields, not a 500)."""
    if bad := unstorable_fields(body):
        raise ValidationFailed(bad)
    return body


def strings(body: dict[str, Any], *names: str) -> tuple[str, ...]:
    """Required non-empty string fields; one ValidationFailed naming every missing one."""
    missing = {name: "is required" for name in names if not isinstance(body.get(name), str) or not body[name]}
    if missing:
        raise ValidationFailed(missing)
    return tuple(body[name] for name in names)


def client_address(request: web.Request) -> str | None:
    """The gateway puts the client's address in X-Real-IP; without it (or unusable as a Redis key), the peer."""
    claimed = request.headers.get("X-Real-IP")
    return claimed if claimed and is_storable(claimed) else request.remote


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
