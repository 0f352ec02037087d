"""Validation of user fields; each failure names its field (400 validation_failed)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from latchkey.errors import ValidationFailed

USER_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
PROFILE_FIELDS = ("email", "name", "role", "picture")


def check_email(value: Any, field: str = "email") -> str:
    if not isinstance(value, str) or not EMAIL.match(value.strip()) or len(value.strip()) > 254:
        raise ValidationFailed({field: "must be an email address"})
    return value.strip()


def check_user_name(value: Any) -> str:
    if not isinstance(value, str) or not USER_NAME.match(value):
        raise ValidationFailed({"userName": "must be 1-64 of A-Z a-z 0-9 . _ -"})
    return value


def check_profile(body: dict[str, Any]) -> dict[str, Any]:
    """The profile changes present in `body` (email, name, role, picture), validated together."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in PROFILE_FIELDS:
        if field not in body:
            continue
        value = body[field]
        if field == "email":
            try:
                changes[field] = None if value is None else check_email(value)
            except ValidationFailed as error:
                errors.update(error.fields)
        elif field == "picture":
            if value is None or value == "":
                changes[field] = None
            elif isinstance(value, str) and len(value) <= 2048 and urlsplit(value).scheme in ("http", "https") and urlsplit(value).netloc:
                changes[field] = value
            else:
                errors[field] = "must be an http(s) URL"
        elif isinstance(value, str) and len(value) <= (200 if field == "name" else 64):
            changes[field] = value
        elif value is None:
            changes[field] = ""
        else:
            errors[field] = "must be a string of at most " + ("200" if field == "name" else "64") + " characters"
    if errors:
        raise ValidationFailed(errors)
    return changes
