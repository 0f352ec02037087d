"""Helpers to call the org-provisioning service directly, as the gateway would.

The gateway is built in parallel, so these tests mint what it would send: the
identity header (a gateway-signed principal) for public routes, and a
gateway service token for `/internal/` routes.
"""

from __future__ import annotations

import base64
import json

import pytest

from latchkey.tokens import IDENTITY_HEADER, Principal, TokenSigner
from org_provisioning import operator
from org_provisioning.settings import Settings

SERVICE = "org-provisioning"


def signer_of(system, service: str) -> TokenSigner:
    """Signs as `service`, with the key the running system configured for it."""
    seed = system.env[service.upper().replace("-", "_") + "_SIGNING_KEY"]
    return TokenSigner(service, base64.urlsafe_b64decode(seed + "=" * (-len(seed) % 4)))


def org_key_principal(org_id: int) -> Principal:
    return Principal(sub=f"org:{org_id}", org=org_id, role="ORG", amr=("org_key",))


def session_principal(user_id: int, org_id: int | None, role: str = "ADMIN", amr: tuple[str, ...] = ("pwd",)) -> Principal:
    perms = frozenset({"oauth"}) if amr in (("pwd",), ("org_sso",), ("oidc",)) else frozenset()
    return Principal(sub=str(user_id), org=org_id, role=role, perms=perms, amr=amr, sid="s" * 64)


def as_principal(system, principal: Principal) -> dict[str, str]:
    """Headers carrying `principal` as the gateway forwards it."""
    return {IDENTITY_HEADER: signer_of(system, "gateway").identity_token(SERVICE, principal)}


def as_gateway(system) -> dict[str, str]:
    """Headers of a gateway-to-service call on an `/internal/` route."""
    return {"Authorization": "Bearer " + signer_of(system, "gateway").service_token(SERVICE)}


def org_url(system, path: str) -> str:
    return system.urls[SERVICE] + path


@pytest.fixture
async def system(start_system):
    """Only what these tests need: this service and the session service it calls."""
    return await start_system(("session", "org-provisioning"))


@pytest.fixture
def org_settings(base_env) -> Settings:
    return Settings.from_env(base_env)


@pytest.fixture
def make_org(org_settings):
    """Factory: `await make_org("acme")` → the operator's view, with `apiKey`."""

    async def make(slug: str = "acme", name: str | None = None, auth_redirect_url: str | None = None) -> dict:
        return await operator.create_organization(
            org_settings, slug=slug, name=name or slug.title(), auth_redirect_url=auth_redirect_url
        )

    return make


SESSION_ROUTES_NEEDED = {"/internal/sessions", "/internal/organizations/{orgId}/users/{userName}"}


def require_directory(system) -> None:
    """Skip until the session service (built in parallel) serves the internal routes these tests use."""
    served = {route.resource.canonical for route in system.apps["session"].router.routes()}
    missing = {path for path in SESSION_ROUTES_NEEDED if not any(p.startswith(path.split("{")[0]) for p in served)}
    if missing:
        pytest.skip(f"session service does not serve {sorted(missing)} yet")


@pytest.fixture
def directory_ready(system):
    require_directory(system)
    return system


class OrgApi:
    """Calls the organization API of one organization with its org key, as the gateway forwards it."""

    def __init__(self, http, system, org: dict) -> None:
        self.http, self.system, self.org = http, system, org

    def headers(self) -> dict[str, str]:
        return as_principal(self.system, org_key_principal(self.org["id"]))

    async def call(self, method: str, path: str, body=None, params=None) -> tuple[int, object]:
        url = org_url(self.system, f"/api/organization/{self.org['orgId']}{path}")
        async with self.http.request(method, url, json=body, params=params, headers=self.headers()) as response:
            text = await response.text()
            return response.status, (json.loads(text) if text else None)

    async def upsert(self, user_name: str, **fields) -> tuple[int, dict]:
        return await self.call("POST", f"/user/{user_name}/update", fields)

    async def refresh_token(self, user_name: str) -> tuple[int, dict]:
        return await self.call("POST", f"/user/{user_name}/generate-token")


@pytest.fixture
async def acme_api(directory_ready, http, make_org) -> OrgApi:
    return OrgApi(http, directory_ready, await make_org("acme", "Acme"))


async def exchange(http, system, token: str) -> tuple[int, dict]:
    """The public exchange, as a non-browser client calls it through the gateway."""
    async with http.post(org_url(system, "/api/auth/refresh-token"), json={"refreshToken": token}) as response:
        return response.status, await response.json(content_type=None)
