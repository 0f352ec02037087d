"""Operator actions, composed from each service's `operator` module.

Each service owns its data and exposes what an operator may do to it in
`<service>.operator`; this module only strings them together (for example,
resolving an organization slug before creating a user in it).
"""

from __future__ import annotations

from org_provisioning import operator as org_operator
from org_provisioning.settings import Settings as OrgSettings
from session import operator as session_operator
from session.settings import Settings as SessionSettings


class OperationError(Exception):
    pass


async def create_organization(slug: str, name: str, auth_redirect_url: str | None) -> dict:
    return await org_operator.create_organization(OrgSettings.from_env(), slug=slug, name=name, auth_redirect_url=auth_redirect_url)


async def show_organization(slug: str) -> dict:
    org = await org_operator.get_organization(OrgSettings.from_env(), slug)
    if org is None:
        raise OperationError(f"no organization {slug!r}")
    return org


async def rotate_organization_key(slug: str) -> dict:
    return await org_operator.rotate_api_key(OrgSettings.from_env(), slug)


async def organization_settings(slug: str, changes: dict) -> dict:
    return await org_operator.update_settings(OrgSettings.from_env(), slug, changes)


async def create_user(email: str, password: str, *, org_slug: str | None, role: str, name: str) -> dict:
    org_id = None
    if org_slug:
        org_id = (await show_organization(org_slug))["id"]
    return await session_operator.create_user(
        SessionSettings.from_env(), email=email, password=password, org_id=org_id, role=role, name=name
    )


async def set_password(email: str, password: str) -> None:
    await session_operator.set_password(SessionSettings.from_env(), email=email, password=password)


async def set_disabled(email: str, disabled: bool) -> None:
    await session_operator.set_disabled(SessionSettings.from_env(), email=email, disabled=disabled)
