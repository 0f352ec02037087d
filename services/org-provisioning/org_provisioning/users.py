"""Provisioning an organization's users, kept in the session service's directory.

This module validates what a partner sends, scopes every call to the
organization resolved from the path, and maps the directory's `DirectoryUser` to
the organization API's user shape (`orgId` is the slug, not the number).
"""

from __future__ import annotations

from typing import Any

from latchkey.errors import NotFound, ValidationFailed
from latchkey.session_client import DirectoryUser, SessionClient
from latchkey.user_fields import PROFILE_CHECKS, ROLES, user_name_problem

from .repository import OrganizationRow

PROFILE_FIELDS = ("name", "role", "picture", "email")
DEFAULT_LIMIT, MAX_LIMIT = 50, 100


class UserNotFound(NotFound):
    code = "user_not_found"
    message = "No such user in this organization."


def require_user_name(user_name: str) -> str:
    if problem := user_name_problem(user_name):
        raise ValidationFailed({"userName": problem})
    return user_name


def profile_problems(user_name: str, body: object) -> dict[str, str]:
    """Every bad field of an update request, by name."""
    problems = {}
    if problem := user_name_problem(user_name):
        problems["userName"] = problem
    if not isinstance(body, dict):
        return {**problems, "body": "must be a JSON object"}
    for field, check in PROFILE_CHECKS.items():
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
    """Create (True) or update (False) the user `user_name` of `org`.

    Every field is optional, on create too (SPEC §3): a user without an email
    signs in through the organization's handoff or OIDC, never with a password.
    """
    problems = profile_problems(user_name, body)
    if problems:
        raise ValidationFailed(problems)
    existing = await directory.find_org_user(org.id, user_name)
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
