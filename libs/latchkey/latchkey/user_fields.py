"""The rules of a user's fields, once: the session service's directory applies them to every write.

org-provisioning checks the same rules before it calls the directory, only so a
partner learns every bad field of a request in one answer (the path's
`userName` included); the directory's own check is the one that holds.
Each function answers the problem in words, or None when the value is good.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

USER_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# No `\s` in the local part: Python and the ECMA regexes of JSON Schema disagree on what it covers
# (\x1c-\x1f, \x85, \ufeff), so the published schema and this check would disagree too. Spelled out instead.
EMAIL = re.compile(r"^[^@\x00-\x20\x7f-\xa0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
ROLES = ("USER", "ADMIN")
NAME_MAX = 200
PICTURE_MAX = 2048
EMAIL_MAX = 254
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f\\]")


def user_name_problem(value: Any) -> str | None:
    # "." and ".." would be dot segments in the directory's paths.
    if not isinstance(value, str) or not USER_NAME.match(value) or value in (".", ".."):
        return "must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' and '-'"
    return None


def email_problem(value: Any) -> str | None:
    # fullmatch: with `match`, the pattern's `$` lets a trailing newline through.
    if not isinstance(value, str) or len(value) > EMAIL_MAX or not EMAIL.fullmatch(value):
        return "must be a valid email address"
    return None


def name_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip() or len(value) > NAME_MAX:
        return f"must be a non-empty string of at most {NAME_MAX} characters"
    return None


def role_problem(value: Any) -> str | None:
    return None if value in ROLES else "must be USER or ADMIN"


def picture_problem(value: Any) -> str | None:
    """None (no picture) or an http(s) URL with a host, no credentials, no spaces or control characters."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > PICTURE_MAX or _CONTROL_OR_SPACE.search(value):
        return "must be an http(s) URL"
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return "must be an http(s) URL"
    return None


# The fields a profile write may carry, each with its rule.
PROFILE_CHECKS = {"name": name_problem, "role": role_problem, "picture": picture_problem, "email": email_problem}


# The same rules as JSON Schema, for the OpenAPI documents (request schemas as strict as these checks).
NAME_SCHEMA = {"type": "string", "maxLength": NAME_MAX, "pattern": r"\S"}
EMAIL_SCHEMA = {"type": "string", "maxLength": EMAIL_MAX, "pattern": EMAIL.pattern}
# http(s), a host, no credentials, no spaces, control characters or backslashes.
PICTURE_SCHEMA = {
    "type": ["string", "null"],
    "maxLength": PICTURE_MAX,
    "pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[^\x00-\x20\x7f\\@/?#]+([/?#][^\x00-\x20\x7f\\]*)?$",
    "description": "http(s) URL; null removes it",
}
