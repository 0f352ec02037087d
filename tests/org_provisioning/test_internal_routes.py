"""The gateway's internal routes: verifying org keys and reading organizations."""

from latchkey import credential_cache
from org_provisioning import operator
from tests.org_provisioning.conftest import as_gateway, org_url, signer_of


async def verify(http, system, org_id, api_key):
    body = {"orgId": org_id, "apiKey": api_key}
    async with http.post(org_url(system, "/internal/org-keys/verify"), json=body, headers=as_gateway(system)) as response:
        return response.status, await response.json(content_type=None)


async def test_a_valid_org_key_resolves_to_its_organization(system, http, make_org):
    org = await make_org("acme", "Acme Inc")
    status, body = await verify(http, system, "acme", org["apiKey"])
    assert status == 200
    assert body == {"org": {"id": org["id"], "orgId": "acme", "name": "Acme Inc"}}


async def test_a_wrong_key_unknown_org_or_another_orgs_key_are_all_invalid_credentials(system, http, make_org):
    acme = await make_org("acme")
    other = await make_org("other")
    wrong = [("acme", "x" * 30), ("nobody", acme["apiKey"]), ("acme", other["apiKey"]), ("acme", None), (None, acme["apiKey"])]
    for org_id, key in wrong:
        status, body = await verify(http, system, org_id, key)
        assert (status, body["code"]) == (401, "invalid_credentials"), (org_id, key)


async def test_internal_routes_refuse_callers_other_than_the_gateway(system, http, make_org):
    org = await make_org("acme")
    headers = {"Authorization": "Bearer " + signer_of(system, "session").service_token("org-provisioning")}
    body = {"orgId": "acme", "apiKey": org["apiKey"]}
    async with http.post(org_url(system, "/internal/org-keys/verify"), json=body, headers=headers) as response:
        assert response.status == 401
    async with http.post(org_url(system, "/internal/org-keys/verify"), json=body) as response:
        assert response.status == 401
        assert response.content_type == "application/problem+json"


async def test_gateway_reads_an_organization_by_slug(system, http, make_org):
    org = await make_org("acme", "Acme", "https://partner.example/login")
    async with http.get(org_url(system, "/internal/organizations/acme"), headers=as_gateway(system)) as response:
        assert response.status == 200
        expected = {"id": org["id"], "orgId": "acme", "name": "Acme", "authRedirectUrl": "https://partner.example/login"}
        assert await response.json() == expected
    for unknown in ("nobody", "NOT_A_SLUG"):
        async with http.get(org_url(system, f"/internal/organizations/{unknown}"), headers=as_gateway(system)) as response:
            assert response.status == 404
            assert (await response.json(content_type=None))["code"] == "organization_not_found"


async def test_operator_rotation_revokes_the_cached_key_and_the_old_key_fails(system, http, make_org, org_settings, redis_client):
    org = await make_org("acme")
    entry = credential_cache.org_key_entry(org["apiKey"])
    await credential_cache.write(redis_client, entry, {"org": org["id"], "orgId": "acme"})
    rotated = await operator.rotate_api_key(org_settings, "acme")
    assert await credential_cache.read(redis_client, entry) is None
    assert (await verify(http, system, "acme", org["apiKey"]))[0] == 401
    assert (await verify(http, system, "acme", rotated["apiKey"]))[0] == 200


async def test_session_reads_an_organization_by_its_id_and_only_session_may(system, http, make_org):
    org = await make_org("acme", "Acme")
    as_session = {"Authorization": "Bearer " + signer_of(system, "session").service_token("org-provisioning")}
    path = f"/internal/organizations/by-id/{org['id']}"
    async with http.get(org_url(system, path), headers=as_session) as response:
        assert response.status == 200
        assert await response.json() == {
            "id": org["id"], "orgId": "acme", "name": "Acme", "authRedirectUrl": None, "usersMayDeleteThemselves": False,
        }
    async with http.get(org_url(system, path), headers=as_gateway(system)) as response:
        assert response.status == 401
    async with http.get(org_url(system, "/internal/organizations/by-id/999999"), headers=as_session) as response:
        assert (response.status, (await response.json(content_type=None))["code"]) == (404, "organization_not_found")
