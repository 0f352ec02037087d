"""Provisioning an organization's users, kept in the session service's directory.

This module validates what a partner sends, scopes every call to the
organization resolved from the path, and maps the directory's `DirectoryUser` to
the organization API's user shape (`orgId` is the slug, not the number).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from latchkey.errors import NotFound, ValidationFailed
from latchkey.session_client import DirectoryUser, SessionClient

from .repository import OrganizationRow

_USER_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f\\]")
ROLES = ("USER", "ADMIN")
NAME_MAX = 200
PICTURE_MAX = 2048
EMAIL_MAX = 254
PROFILE_FIELDS = ("name", "role", "picture", "email")
DEFAULT_LIMIT, MAX_LIMIT = 50, 100


class UserNotFound(NotFound):
    code = "user_not_found"
    message = "No such user in this organization."


def user_name_problem(user_name: str) -> str | None:
    if not _USER_NAME.match(user_name) or user_name in (".", ".."):
        return "must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' and '-'"
    return None


def require_user_name(user_name: str) -> str:
    if problem := user_name_problem(user_name):
        raise ValidationFailed({"userName": problem})
    return user_name


def _email_problem(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > EMAIL_MAX or not _EMAIL.match(value):
        return "must be a valid email address"
    return None


def _name_problem(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip() or len(value) > NAME_MAX:
        return f"must be a non-empty string of at most {NAME_MAX} characters"
    return None


def _role_problem(value: object) -> str | None:
    return None if value in ROLES else "must be USER or ADMIN"


def _picture_problem(value: object) -> str | None:
    if value is None:
        return None  # null removes the picture
    if not isinstance(value, str) or len(value) > PICTURE_MAX or _CONTROL_OR_SPACE.search(value):
        return "must be an http(s) URL"
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return "must be an http(s) URL"
    return None


_CHECKS = {"name": _name_problem, "role": _role_problem, "picture": _picture_problem, "email": _email_problem}


def profile_problems(user_name: str, body: object) -> dict[str, str]:
    """Every bad field of an update request, by name."""
    problems = {}
    if problem := user_name_problem(user_name):
        problems["userName"] = problem
    if not isinstance(body, dict):
        return {**problems, "body": "must be a JSON object"}
    for field, check in _CHECKS.items():
        if field in body and (problem := check(body[field])):
            problems[field] = problem
    return problems


def org_user_view(user: DirectoryUser, org: OrganizationRow) -> dict[str, Any]:
    return {
        "id": user.userid,
        "userName": user.user_name,
        "name": user.name,
        "role": user.role if user.role in ROLES else "USER",
        "picture": user.picture,
        "email": user.email,
        "orgId": org.slug,
        "createdAt": user.created_at,
        "updatedAt": user.updated_at,
    }


async def provision_user(
    directory: SessionClient, org: OrganizationRow, user_name: str, body: object
) -> tuple[bool, dict[str, Any]]:
    """Create (True) or update (False) the user `user_name` of `org`."""
    problems = profile_problems(user_name, body)
    existing = None if "userName" in problems else await directory.find_org_user(org.id, user_name)
    if existing is None and not (isinstance(body, dict) and "email" in body):
        problems.setdefault("email", "is required to create a user")
    if problems:
        raise ValidationFailed(problems)
    fields = {field: body[field] for field in PROFILE_FIELDS if field in body}
    if existing is None:
        fields.setdefault("role", "USER")
        fields.setdefault("name", user_name)
    created, user = await directory.put_org_user(org.id, user_name, fields)
    return created, org_user_view(user, org)


async def find_user(directory: SessionClient, org: OrganizationRow, user_name: str) -> DirectoryUser:
    user = await directory.find_org_user(org.id, require_user_name(user_name))
    if user is None:
        raise UserNotFound()
    return user


async def list_users(directory: SessionClient, org: OrganizationRow, limit: int, cursor: str | None) -> dict[str, Any]:
    users, next_cursor = await directory.list_org_users(org.id, limit, cursor)
    return {"users": [org_user_view(user, org) for user in users], "nextCursor": next_cursor}


async def deprovision_user(directory: SessionClient, org: OrganizationRow, user_name: str) -> None:
    if not await directory.delete_org_user(org.id, require_user_name(user_name)):
        raise UserNotFound()
