"""Validation of user fields as the directory writes them; each failure names its field (400 validation_failed).

The rules themselves are `latchkey.user_fields`, the same that org-provisioning
checks before it calls us.
"""

from __future__ import annotations

from typing import Any

from latchkey.errors import ValidationFailed
from latchkey.user_fields import PROFILE_CHECKS, email_problem, name_problem, picture_problem, user_name_problem

# What a user may change about themselves (PATCH /api/1/users/me); email has its own confirmed flow.
OWN_PROFILE_FIELDS = ("name", "picture")


def check_email(value: Any, field: str = "email") -> str:
    email = value.strip() if isinstance(value, str) else value
    if problem := email_problem(email):
        raise ValidationFailed({field: problem})
    return email


def check_user_name(value: Any) -> str:
    if problem := user_name_problem(value):
        raise ValidationFailed({"userName": problem})
    return value


def check_profile(body: dict[str, Any]) -> dict[str, Any]:
    """The profile changes present in `body` (email, name, role, picture), validated together."""
    errors = {field: problem for field, check in PROFILE_CHECKS.items() if field in body and (problem := check(body[field]))}
    if errors:
        raise ValidationFailed(errors)
    return {field: body[field] for field in PROFILE_CHECKS if field in body}


def check_own_profile(body: dict[str, Any]) -> dict[str, Any]:
    """The changes a user asks for on their own profile: `name` and `picture`, by the same rules."""
    errors = {
        field: "cannot be changed here" + (" (POST /api/1/users/me/email changes it)" if field == "email" else "")
        for field in body
        if field not in OWN_PROFILE_FIELDS
    }
    changes = {field: body[field] for field in OWN_PROFILE_FIELDS if field in body}
    if changes.get("picture") == "":
        changes["picture"] = None  # an emptied form field removes the picture
    if "name" in changes and (problem := name_problem(changes["name"])):
        errors["name"] = problem
    if "picture" in changes and (problem := picture_problem(changes["picture"])):
        errors["picture"] = problem
    if not errors and not changes:
        errors["body"] = "must change name or picture"
    if errors:
        raise ValidationFailed(errors)
    return changes
