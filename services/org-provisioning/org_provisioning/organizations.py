"""Organizations: creation, lookup by slug, and the settings an org admin may change."""

from __future__ import annotations

import re
from typing import Any

from latchkey.errors import Conflict, NotFound, ValidationFailed
from latchkey.security import SecretBox
from latchkey.tokens import Principal

from . import org_api_keys, repository
from .redirect_urls import auth_redirect_url_problem
from .repository import Executor, OrganizationRow

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$")
NAME_MAX = 200

# Settings fields an admin may PATCH, and nothing else.
SETTINGS_FIELDS = ("name", "authRedirectUrl", "usersMayDeleteThemselves")


class OrganizationNotFound(NotFound):
    code = "organization_not_found"
    message = "No such organization."


def slug_problem(slug: object) -> str | None:
    if not isinstance(slug, str) or not _SLUG.match(slug):
        return "must be 2-63 characters of a-z, 0-9 and '-', not starting or ending with '-'"
    return None


def name_problem(name: object) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return "must be a non-empty string"
    if len(name) > NAME_MAX:
        return f"must be at most {NAME_MAX} characters"
    return None


def public_view(org: OrganizationRow) -> dict[str, Any]:
    return {"id": org.id, "orgId": org.slug, "name": org.name, "authRedirectUrl": org.auth_redirect_url}


def settings_view(org: OrganizationRow) -> dict[str, Any]:
    return {
        "orgId": org.slug,
        "name": org.name,
        "authRedirectUrl": org.auth_redirect_url,
        "usersMayDeleteThemselves": org.users_may_delete_themselves,
    }


async def create_organization(
    db: Executor, box: SecretBox, *, slug: str, name: str, auth_redirect_url: str | None
) -> tuple[OrganizationRow, str]:
    """A new organization and its API key (the only time the caller gets it without asking)."""
    problems = {"orgId": slug_problem(slug), "name": name_problem(name)}
    if auth_redirect_url is not None:
        problems["authRedirectUrl"] = auth_redirect_url_problem(auth_redirect_url)
    fields = {field: problem for field, problem in problems.items() if problem}
    if fields:
        raise ValidationFailed(fields)
    org_id = await repository.reserve_organization_id(db)
    api_key, sealed = org_api_keys.new_key(box, org_id)
    org = await repository.insert_organization(
        db,
        org_id=org_id,
        slug=slug,
        name=name.strip(),
        auth_redirect_url=auth_redirect_url,
        api_key_hash=org_api_keys.key_hash(api_key),
        api_key_sealed=sealed,
    )
    if org is None:
        raise Conflict(f"An organization {slug!r} already exists.", code="organization_exists")
    return org, api_key


async def find_organization(db: Executor, slug: str) -> OrganizationRow:
    org = await repository.find_organization_by_slug(db, slug) if slug_problem(slug) is None else None
    if org is None:
        raise OrganizationNotFound()
    return org


async def find_organization_by_id(db: Executor, org_id: int) -> OrganizationRow:
    org = await repository.find_organization_by_id(db, org_id)
    if org is None:
        raise OrganizationNotFound()
    return org


async def find_own_organization(db: Executor, principal: Principal) -> OrganizationRow:
    """The organization a user belongs to (their `partnerid`)."""
    org = await repository.find_organization_by_id(db, principal.org) if principal.org and not principal.is_org_key else None
    if org is None:
        raise NotFound("You do not belong to an organization.", code="no_organization")
    return org


async def change_settings(db: Executor, org: OrganizationRow, changes: object) -> OrganizationRow:
    """Apply a PATCH of {"name", "authRedirectUrl", "usersMayDeleteThemselves"}; every bad field is named."""
    if not isinstance(changes, dict):
        raise ValidationFailed({"body": "must be a JSON object"})
    fields = {key: "is not a setting" for key in changes if key not in SETTINGS_FIELDS}
    name = changes.get("name", org.name)
    redirect = changes.get("authRedirectUrl", org.auth_redirect_url)
    self_deletion = changes.get("usersMayDeleteThemselves", org.users_may_delete_themselves)
    if "name" in changes and (problem := name_problem(name)):
        fields["name"] = problem
    if "authRedirectUrl" in changes and redirect is not None and (problem := auth_redirect_url_problem(redirect)):
        fields["authRedirectUrl"] = problem
    if not isinstance(self_deletion, bool):
        fields["usersMayDeleteThemselves"] = "must be true or false"
    if fields:
        raise ValidationFailed(fields)
    updated = await repository.update_organization_settings(
        db, org_id=org.id, name=name.strip(), auth_redirect_url=redirect, users_may_delete_themselves=self_deletion
    )
    if updated is None:
        raise OrganizationNotFound()
    return updated
