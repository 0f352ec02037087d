"""Reading what a client sends: JSON-object bodies, paging, path ids, storable text, return_to.

One reader per job, shared by the three services and the gateway, so a fix in
one place reaches every route (the `isdigit()` trap once survived in a copy).
Every refusal is a typed error the family's middleware renders in its own
envelope; none of them is ever a 500.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from aiohttp import web

from .errors import NotFound, UnsupportedMediaType, ValidationFailed

# --- storable text ---------------------------------------------------------
# JSON can spell NUL and lone surrogates (`\u0000`, `\ud800`) and percent-encoding
# can carry NUL, but PostgreSQL text rejects NUL and `str.encode()` rejects a lone
# surrogate: either reaching a query or a hash would be a 500.

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
PROBLEM = "must not contain NUL or invalid characters"


def is_storable(value: Any) -> bool:
    """True unless `value` (a string, or any JSON structure) holds a NUL or a lone surrogate."""
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is None
    if isinstance(value, dict):
        return all(is_storable(key) and is_storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(is_storable(item) for item in value)
    return True


def storable_text(value: object) -> str | None:
    """`value` when it is a string PostgreSQL and a hash can take, else None."""
    return value if isinstance(value, str) and _UNSTORABLE.search(value) is None else None


def unstorable_fields(body: dict[str, Any]) -> dict[str, str]:
    """The fields of a JSON object that are not storable text, each with the problem (for ValidationFailed)."""
    fields = {key: PROBLEM for key, value in body.items() if not is_storable(value)}
    if not fields and not all(is_storable(key) for key in body):
        fields["body"] = PROBLEM
    return {key if is_storable(key) else "body": problem for key, problem in fields.items()}


# --- bodies ----------------------------------------------------------------

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class MalformedBody(ValidationFailed):
    """The one answer to a body that is not a JSON object (or a readable form), in every family."""

    def __init__(self, problem: str = "must be a JSON object") -> None:
        super().__init__({"body": problem}, "The body " + problem + ".")


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


async def read_json_object(request: web.Request, *, form: bool = False) -> dict[str, Any]:
    """The body as a dict: a JSON object, or (when `form`) form fields as browsers post them.

    An empty body is an empty object (every field is optional somewhere); any
    other media type is 415. Strings holding NUL or a lone surrogate are 400
    naming the fields.
    """
    content_type = request.content_type
    if _is_json(content_type):
        raw = await request.read()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError):  # malformed, not UTF-8, or nested past the parser's depth
            raise MalformedBody() from None
        if not isinstance(body, dict):
            raise MalformedBody()
    elif form and content_type in FORM_TYPES:
        try:
            fields = await request.post()
        except ValueError:  # not UTF-8, or a broken multipart body
            raise MalformedBody("cannot be read as a form") from None
        body = {key: value for key, value in fields.items() if isinstance(value, str)}
    elif not await request.read():
        return {}
    else:
        raise UnsupportedMediaType()
    if bad := unstorable_fields(body):
        raise ValidationFailed(bad)
    return body


# --- ids and paging --------------------------------------------------------

MAX_ID = 2**31 - 1  # ids are PostgreSQL integers
MAX_CURSOR_LENGTH = 512


def ascii_id(raw: str | None) -> int | None:
    """`raw` as a PostgreSQL integer id, or None.

    Only ASCII digits: "²".isdigit() is True but int() refuses it, and "٣" is
    read as 3. Ten digits hold any id, and int() refuses thousands of them.
    """
    if not raw or len(raw) > 10 or not (raw.isascii() and raw.isdigit()):
        return None
    number = int(raw)
    return number if number <= MAX_ID else None


def path_id(request: web.Request, name: str) -> int:
    """An integer id from the path; anything else names nothing here (404)."""
    number = ascii_id(request.match_info[name])
    if number is None:
        raise NotFound()
    return number


def limit_param(request: web.Request, *, default: int, maximum: int, name: str = "limit") -> int:
    """A page size from the query: absent is `default`, else an integer from 1 to `maximum`."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    number = ascii_id(raw)
    if number is None or not 1 <= number <= maximum:
        raise ValidationFailed({name: f"must be an integer from 1 to {maximum}"})
    return number


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed({"cursor": "is not a cursor this API returned"})


def opaque_cursor(request: web.Request) -> str | None:
    """A cursor passed through to the owner of the listing (bounded, storable)."""
    raw = request.query.get("cursor") or None
    if raw is not None and (len(raw) > MAX_CURSOR_LENGTH or not is_storable(raw)):
        raise _bad_cursor()
    return raw


def id_cursor(request: web.Request) -> int | None:
    """A cursor that is the last id of the previous page."""
    raw = request.query.get("cursor") or None
    if raw is None:
        return None
    number = ascii_id(raw)
    if number is None:
        raise _bad_cursor()
    return number


# --- return_to -------------------------------------------------------------
# `return_to` arrives from the browser, so it is attacker-controlled. Browsers read
# `//evil.example`, `/\evil.example` and `https://evil.example` as other sites, drop
# tabs and newlines (turning `/\t/x` into `//x`), and they or a proxy may decode
# percent-escapes once more before acting, so every decoding is checked. Anything
# that could leave the site is refused, not "cleaned": an open redirect is a
# phishing tool.

RETURN_TO_PROBLEM = "must be a path on this site"
MAX_RETURN_TO_LENGTH = 2048
_DECODE_ROUNDS = 3  # `%252F%252F` needs two to become `//`


class UnsafeReturnTo(ValidationFailed):
    def __init__(self, field: str = "return_to") -> None:
        super().__init__({field: RETURN_TO_PROBLEM}, "The return address must be a page on this site.")


def safe_return_path(value: object, *, default: str, field: str = "return_to") -> str:
    """`value` when it is a path on this site (its path and query), `default` when absent; else UnsafeReturnTo."""
    if value is None or value == "":
        return default
    if not isinstance(value, str) or len(value) > MAX_RETURN_TO_LENGTH:
        raise UnsafeReturnTo(field)
    candidate = value
    for _ in range(_DECODE_ROUNDS):
        if not _is_local_path(candidate):
            raise UnsafeReturnTo(field)
        decoded = unquote(candidate)
        if decoded == candidate:
            break
        candidate = decoded
    else:
        raise UnsafeReturnTo(field)  # still changing after three rounds: nobody needs that
    parts = urlsplit(value)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def is_safe_return_path(value: str) -> bool:
    try:
        safe_return_path(value, default="/")
    except UnsafeReturnTo:
        return False
    return True


def _is_local_path(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//"):
        return False
    if "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return False
    parts = urlsplit(value)
    return parts.scheme == "" and parts.netloc == ""
