"""Organizations and partner users for handoff tests, made the way an operator and a partner would."""

from __future__ import annotations

from typing import Any

import aiohttp

from org_provisioning import operator
from org_provisioning.settings import Settings as OrgSettings
from tests.harness import System


async def create_organization(system: System, slug: str, auth_redirect_url: str | None) -> dict[str, Any]:
    """The operator's `latchkey org create`; the answer carries the org API key."""
    settings = OrgSettings.from_env(system.env)
    return await operator.create_organization(settings, slug=slug, name=slug.replace("-", " ").title(), auth_redirect_url=auth_redirect_url)


async def refresh_token_for(http: aiohttp.ClientSession, system: System, org: dict[str, Any], user_name: str, **profile: str) -> dict:
    """What a partner server does: provision the user, then ask for a one-time refresh token."""
    headers = {"x-org-id": org["orgId"], "x-api-key": org["apiKey"]}
    base = f"{system.gateway}/api/organization/{org['orgId']}/user/{user_name}"
    async with http.post(base + "/update", json=profile, headers=headers) as response:
        assert response.status in (200, 201), await response.text()
    async with http.post(base + "/generate-token", headers=headers) as response:
        assert response.status == 201, await response.text()
        return await response.json()
