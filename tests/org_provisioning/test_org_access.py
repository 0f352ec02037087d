"""One organization can never see or change another's users.

The gateway resolves `x-org-id` + `x-api-key` to `principal.org`; the service
compares it with the organization named in the path on every route.
"""

import pytest

from tests.org_provisioning.conftest import as_principal, org_key_principal, org_url, session_principal

SERVER_TO_SERVER = [
    ("POST", "/user/alice/update", {"email": "alice@example.com"}),
    ("POST", "/user/alice/generate-token", None),
    ("GET", "/users", None),
    ("GET", "/user/alice", None),
    ("DELETE", "/user/alice", None),
]


@pytest.mark.parametrize("method,path,body", SERVER_TO_SERVER)
async def test_another_organizations_key_is_forbidden(system, http, make_org, method, path, body):
    await make_org("acme")
    other = await make_org("other")
    headers = as_principal(system, org_key_principal(other["id"]))
    async with http.request(method, org_url(system, "/api/organization/acme" + path), json=body, headers=headers) as response:
        assert response.status == 403
        assert response.content_type == "application/problem+json"
        assert (await response.json(content_type=None))["code"] == "forbidden"


@pytest.mark.parametrize("method,path,body", SERVER_TO_SERVER)
async def test_unknown_organization_is_not_found_and_no_identity_is_unauthenticated(system, http, make_org, method, path, body):
    org = await make_org("acme")
    headers = as_principal(system, org_key_principal(org["id"]))
    async with http.request(method, org_url(system, "/api/organization/nobody" + path), json=body, headers=headers) as response:
        assert response.status == 404
        assert (await response.json(content_type=None))["code"] == "organization_not_found"
    async with http.request(method, org_url(system, "/api/organization/acme" + path), json=body) as response:
        assert response.status == 401


async def test_a_forged_identity_header_is_refused(system, http, make_org):
    await make_org("acme")
    headers = {"X-Latchkey-Identity": "not-a-jwt"}
    async with http.get(org_url(system, "/api/organization/acme/users"), headers=headers) as response:
        assert response.status == 401


@pytest.mark.parametrize("method,path,body", [r for r in SERVER_TO_SERVER if r[0] != "GET"])
async def test_user_sessions_cannot_change_the_directory_even_as_admin(system, http, make_org, method, path, body):
    org = await make_org("acme")
    headers = as_principal(system, session_principal(user_id=3, org_id=org["id"], role="ADMIN"))
    async with http.request(method, org_url(system, "/api/organization/acme" + path), json=body, headers=headers) as response:
        assert response.status == 403
        assert (await response.json(content_type=None))["code"] == "forbidden_auth_method"


@pytest.mark.parametrize("path", ["/users", "/user/alice"])
async def test_only_admins_of_the_org_may_read_the_directory_with_a_session(system, http, make_org, path):
    acme = await make_org("acme")
    other = await make_org("other")
    for principal in [
        session_principal(user_id=3, org_id=acme["id"], role="USER"),
        session_principal(user_id=4, org_id=other["id"], role="ADMIN"),
    ]:
        headers = as_principal(system, principal)
        async with http.get(org_url(system, "/api/organization/acme" + path), headers=headers) as response:
            assert response.status == 403
    api_key_admin = session_principal(user_id=3, org_id=acme["id"], role="ADMIN", amr=("api_key",))
    headers = as_principal(system, api_key_admin)
    async with http.get(org_url(system, "/api/organization/acme" + path), headers=headers) as response:
        assert (await response.json(content_type=None))["code"] == "forbidden_auth_method"
