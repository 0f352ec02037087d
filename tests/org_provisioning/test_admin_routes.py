"""Organization settings and integrations: interactive admins only, never API keys."""

import pytest

from latchkey import credential_cache

from tests.org_provisioning.conftest import as_gateway, as_principal, org_key_principal, org_url, session_principal

SETTINGS = "/api/organization/acme/settings"


def admin_of(org, role="ADMIN"):
    return session_principal(user_id=7, org_id=org["id"], role=role)


async def test_admin_reads_and_changes_settings(system, http, make_org):
    org = await make_org("acme", "Acme")
    headers = as_principal(system, admin_of(org))
    async with http.get(org_url(system, SETTINGS), headers=headers) as response:
        assert response.status == 200
        assert await response.json() == {"orgId": "acme", "name": "Acme", "authRedirectUrl": None, "usersMayDeleteThemselves": False}
    change = {"name": "Acme Corp", "authRedirectUrl": "https://partner.example/sso?from=latchkey", "usersMayDeleteThemselves": True}
    async with http.patch(org_url(system, SETTINGS), json=change, headers=headers) as response:
        assert response.status == 200
        assert await response.json() == {"orgId": "acme", **change}
    async with http.patch(org_url(system, SETTINGS), json={"authRedirectUrl": None}, headers=headers) as response:
        assert (await response.json())["authRedirectUrl"] is None
    async with http.get(org_url(system, "/internal/organizations/acme"), headers=as_gateway(system)) as response:
        assert (await response.json())["name"] == "Acme Corp"


@pytest.mark.parametrize(
    "url",
    [
        "//evil.example",
        "http://evil.example/login",
        "javascript:alert(1)",
        "/\\evil.example",
        "https://user@evil.example",
        "https://user:pass@evil.example/",
        "%2F%2Fevil.example",
        "https://%2F%2Fevil.example",
        "https://partner.example/#fragment",
        "https://partner.example/\nx",
        "/login",
        "https:evil.example",
        "",
        42,
    ],
)
async def test_settings_refuse_open_redirect_auth_redirect_urls(system, http, make_org, url):
    org = await make_org("acme")
    headers = as_principal(system, admin_of(org))
    async with http.patch(org_url(system, SETTINGS), json={"authRedirectUrl": url}, headers=headers) as response:
        assert response.status == 400
        assert response.content_type == "application/problem+json"
        body = await response.json(content_type=None)
        assert body["code"] == "validation_failed" and set(body["fields"]) == {"authRedirectUrl"}


@pytest.mark.parametrize("url", ["https://evil.example/partner-site", "http://localhost:3000/cb", "http://127.0.0.1:8000/login"])
async def test_settings_accept_https_anywhere_and_http_on_localhost(system, http, make_org, url):
    org = await make_org("acme")
    headers = as_principal(system, admin_of(org))
    async with http.patch(org_url(system, SETTINGS), json={"authRedirectUrl": url}, headers=headers) as response:
        assert response.status == 200
        assert (await response.json())["authRedirectUrl"] == url


async def test_settings_patch_names_every_bad_field(system, http, make_org):
    org = await make_org("acme")
    headers = as_principal(system, admin_of(org))
    change = {"name": "", "authRedirectUrl": "http://evil.example", "apiKey": "mine"}
    async with http.patch(org_url(system, SETTINGS), json=change, headers=headers) as response:
        assert response.status == 400
        assert set((await response.json(content_type=None))["fields"]) == {"name", "authRedirectUrl", "apiKey"}


async def test_admin_sees_the_org_key_and_rotation_makes_the_old_key_fail_at_once(system, http, make_org, redis_client):
    org = await make_org("acme")
    headers = as_principal(system, admin_of(org))
    async with http.get(org_url(system, "/api/organization/acme/integrations"), headers=headers) as response:
        assert await response.json() == {"apiKey": org["apiKey"]}
    # A gateway has cached the old key's verification.
    await credential_cache.write(redis_client, credential_cache.org_key_entry(org["apiKey"]), {"org": org["id"]})
    async with http.post(org_url(system, "/api/organization/acme/integrations/api-key"), headers=headers) as response:
        assert response.status == 200
        new_key = (await response.json())["apiKey"]
    assert new_key != org["apiKey"] and len(new_key) == 30
    assert await credential_cache.read(redis_client, credential_cache.org_key_entry(org["apiKey"])) is None
    verify = org_url(system, "/internal/org-keys/verify")
    async with http.post(verify, json={"orgId": "acme", "apiKey": org["apiKey"]}, headers=as_gateway(system)) as response:
        assert response.status == 401
    async with http.post(verify, json={"orgId": "acme", "apiKey": new_key}, headers=as_gateway(system)) as response:
        assert response.status == 200
    async with http.get(org_url(system, "/api/organization/acme/integrations"), headers=headers) as response:
        assert await response.json() == {"apiKey": new_key}


async def test_platform_admin_may_manage_any_organization(system, http, make_org):
    await make_org("acme")
    headers = as_principal(system, session_principal(user_id=1, org_id=None, role="PLATFORM_ADMIN"))
    async with http.get(org_url(system, "/api/organization/acme/integrations"), headers=headers) as response:
        assert response.status == 200


ADMIN_ROUTES = [
    ("GET", "/settings"),
    ("PATCH", "/settings"),
    ("GET", "/integrations"),
    ("POST", "/integrations/api-key"),
]


@pytest.mark.parametrize("method,path", ADMIN_ROUTES)
async def test_admin_routes_refuse_api_keys_basic_and_org_keys(system, http, make_org, method, path):
    org = await make_org("acme")
    principals = [
        session_principal(user_id=7, org_id=org["id"], role="ADMIN", amr=("api_key",)),
        session_principal(user_id=7, org_id=org["id"], role="ADMIN", amr=("basic",)),
        org_key_principal(org["id"]),
    ]
    for principal in principals:
        headers = as_principal(system, principal)
        async with http.request(method, org_url(system, "/api/organization/acme" + path), json={}, headers=headers) as response:
            assert response.status == 403
            assert (await response.json(content_type=None))["code"] == "forbidden_auth_method", principal.amr


@pytest.mark.parametrize("method,path", ADMIN_ROUTES)
async def test_admin_routes_refuse_plain_users_and_admins_of_other_orgs(system, http, make_org, method, path):
    acme = await make_org("acme")
    other = await make_org("other")
    for principal in [admin_of(acme, role="USER"), admin_of(other)]:
        headers = as_principal(system, principal)
        async with http.request(method, org_url(system, "/api/organization/acme" + path), json={}, headers=headers) as response:
            assert response.status == 403
            assert (await response.json(content_type=None))["code"] == "forbidden"
    async with http.request(method, org_url(system, "/api/organization/acme" + path)) as response:
        assert response.status == 401
    headers = as_principal(system, admin_of(acme))
    async with http.request(method, org_url(system, "/api/organization/nobody" + path), headers=headers) as response:
        assert response.status == 404


async def test_a_user_reads_the_name_of_their_own_organization_and_whether_they_administer_it(system, http, make_org):
    org = await make_org("acme", "Acme")
    for role, admin in (("ADMIN", True), ("USER", False)):
        async with http.get(org_url(system, "/api/organizations/mine"), headers=as_principal(system, admin_of(org, role))) as response:
            assert response.status == 200
            assert await response.json() == {"id": org["id"], "orgId": "acme", "name": "Acme", "admin": admin}
    outsider = session_principal(user_id=8, org_id=None, role="")
    async with http.get(org_url(system, "/api/organizations/mine"), headers=as_principal(system, outsider)) as response:
        assert response.status == 404
        assert (await response.json(content_type=None))["code"] == "no_organization"
