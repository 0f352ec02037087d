"""Every route of the policy table reaches its owner, with the credentials its policy names."""

from __future__ import annotations

import re

import pytest

from gateway.policy import POLICIES, Access
from latchkey.settings import Env

from .support import Echo, new_session


@pytest.fixture
async def owners(start_system, base_env):
    """One echo per service, so each answer says which service the gateway chose."""
    keys = Env(base_env).key_map("INTERNAL_PUBLIC_KEYS")
    echoes = {name: await Echo(keys, name).start() for name in ("session", "org-provisioning", "oidc-link")}
    system = await start_system(
        ("gateway",),
        SESSION_URLS=echoes["session"].url,
        ORG_PROVISIONING_URLS=echoes["org-provisioning"].url,
        OIDC_LINK_URLS=echoes["oidc-link"].url,
    )
    yield system
    for echo in echoes.values():
        await echo.stop()


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: {"orgId": "acme", "userName": "ada", "issuer": "google", "id": "0" * 32}[m.group(1)], path)


async def test_each_public_and_user_route_is_forwarded_to_its_owner(owners, sessions, http):
    sesskey = await new_session(sessions, 5)
    for policy in POLICIES:
        if policy.access is Access.ORG_KEY:
            continue
        headers = {} if policy.access is Access.PUBLIC else {"Authorization": "Bearer " + sesskey}
        async with http.request(policy.method, owners.gateway + concrete(policy.path), headers=headers) as response:
            assert response.status == 200, policy
            seen = await response.json()
        assert seen["service"] == policy.service, policy
        assert seen["path"] == concrete(policy.path)
        if policy.access is not Access.PUBLIC:
            assert seen["principal"]["aud"] == policy.service


async def test_org_key_routes_exist_and_refuse_everything_but_an_org_key(owners, sessions, http):
    sesskey = await new_session(sessions, 5)
    for policy in (p for p in POLICIES if p.access is Access.ORG_KEY):
        url = owners.gateway + concrete(policy.path)
        async with http.request(policy.method, url) as response:
            assert (response.status, (await response.json())["code"]) == (401, "unauthenticated"), policy
        async with http.request(policy.method, url, headers={"Authorization": "Bearer " + sesskey}) as response:
            assert (response.status, (await response.json())["code"]) == (403, "forbidden_auth_method"), policy


def test_the_table_covers_the_three_families_once_each():
    routes = [(p.method, p.path) for p in POLICIES]
    assert len(routes) == len(set(routes))
    assert {p.service for p in POLICIES if p.path.startswith("/api/1/")} == {"session"}
    assert {p.service for p in POLICIES if p.path.startswith("/api/organization/")} == {"org-provisioning"}
    assert {p.service for p in POLICIES if p.path.startswith("/api/v1/sso")} == {"oidc-link"}
    public = {(p.method, p.path) for p in POLICIES if p.access is Access.PUBLIC}
    assert public == {
        ("POST", "/api/1/auth/session"),
        ("POST", "/api/1/auth/session/mfa"),
        ("POST", "/api/1/auth/password-reset"),
        ("POST", "/api/1/auth/password-reset/confirm"),
        ("POST", "/api/1/auth/email-verification/confirm"),
        ("POST", "/api/1/users"),  # sign-up, when SIGNUP_ENABLED
        ("POST", "/api/1/auth/email-change/confirm"),  # the link mailed to the new address
        ("POST", "/api/auth/refresh-token"),
        ("GET", "/api/v1/sso/providers"),
        ("GET", "/api/v1/sso/callback"),
        ("GET", "/api/v1/sso/{issuer}/login"),
    }
