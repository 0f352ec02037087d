"""The example device API behind the gateway: each credential form, each access level, the JWT it trusts."""

from __future__ import annotations

from session import operator as session_operator
from session.settings import Settings as SessionSettings

from tests.gateway.support import basic, sign_in


async def me(http, url: str, **kwargs) -> tuple[int, dict]:
    async with http.get(url, **kwargs) as response:
        return response.status, await response.json()


async def test_each_user_credential_form_reaches_the_device_api_as_the_same_user(device_stack, http):
    stack = await device_stack(services=("gateway", "session", "org-provisioning"))
    a, url = stack.account, stack.gateway + "/devices/whoami"
    forms = {
        "cookie": {"headers": {"Cookie": f"sesskey={a.sesskey}"}},
        "sesskey parameter": {"params": {"sesskey": a.sesskey}},
        "bearer": {"headers": {"Authorization": "Bearer " + a.sesskey}},
        "basic": {"headers": {"Authorization": basic(a.email, a.password)}},
        "apikey parameter": {"params": {"apikey": a.apikey}},
        "api key header": {"headers": {"X-API-Key": a.apikey}},
    }
    methods = {}
    for form, kwargs in forms.items():
        status, body = await me(http, url, **kwargs)
        assert status == 200, (form, body)
        claims = body["claims"]
        assert (claims["sub"], claims["aud"], claims["iss"]) == (str(a.userid), "device-api", "latchkey:gateway"), form
        # The upstream opted into the plain headers; they say what the JWT says.
        assert body["plainHeaders"]["X-Latchkey-User"] == str(a.userid), form
        assert body["plainHeaders"]["X-Latchkey-Auth"] == ",".join(claims["amr"]), form
        methods[form] = claims["amr"]
    assert methods["basic"] == ["basic"] and methods["api key header"] == ["api_key"] and methods["cookie"] == ["pwd"]


async def test_the_access_levels_of_the_routes_file_hold(device_stack, http):
    stack = await device_stack(services=("gateway", "session", "org-provisioning"))
    a, g = stack.account, stack.gateway
    async with http.get(g + "/plans") as response:  # public: nobody needed
        assert response.status == 200 and (await response.json())["plans"]
    async with http.get(g + "/devices") as response:  # user, account envelope (envelope = "account")
        assert response.status == 401
        assert await response.json() == {"success": False, "error": {"code": "unauthenticated", "message": "Authentication is required."}}
    async with http.get(g + "/devices", headers={"X-API-Key": a.apikey}) as response:
        devices = (await response.json())["devices"]
    device = devices[0]["id"]
    activate = g + f"/devices/{device}/sim/activate"
    # no_api_key: an API key is refused, a session (here in a form body) is taken.
    async with http.post(activate, headers={"X-API-Key": a.apikey}) as response:
        assert (response.status, (await response.json())["error"]["code"]) == (403, "forbidden_auth_method")
    async with http.post(activate, data={"sesskey": a.sesskey}) as response:
        assert response.status == 200, await response.text()
        assert (await response.json())["sim"] == {**devices[0]["sim"], "status": "active", "activatedBy": str(a.userid)}
    # permission = "oauth" and roles = ["ADMIN"]: Basic lacks the permission, a USER lacks the role.
    retire = g + f"/devices/{device}"
    async with http.delete(retire, headers={"Authorization": basic(a.email, a.password)}) as response:
        assert (response.status, (await response.json())["error"]["code"]) == (403, "forbidden_auth_method")
    async with http.delete(retire, headers={"Authorization": "Bearer " + a.sesskey}) as response:
        assert (response.status, (await response.json())["error"]["code"]) == (403, "forbidden_role")
    await session_operator.create_user(
        SessionSettings.from_env(stack.system.env), email="root@example.com", password="admin password 1",
        org_id=(await me(http, g + "/devices/whoami", headers={"X-API-Key": a.apikey}))[1]["claims"]["org"], role="ADMIN", name="Root",
    )
    admin = await sign_in(g, http, "root@example.com", "admin password 1")
    async with http.delete(retire, headers={"Authorization": "Bearer " + admin}) as response:
        assert response.status == 204, await response.text()


async def test_an_org_key_reaches_only_its_own_organizations_partner_route(device_stack, http):
    stack = await device_stack(services=("gateway", "session", "org-provisioning"))
    a, g = stack.account, stack.gateway
    org_headers = {"x-org-id": a.org_slug, "x-api-key": a.org_key}
    async with http.get(g + f"/partners/{a.org_slug}/devices", headers=org_headers) as response:
        assert response.status == 200, await response.text()
        assert len((await response.json())["devices"]) == 2
    async with http.get(g + "/partners/other-org/devices", headers=org_headers) as response:
        assert (response.status, (await response.json())["code"]) == (403, "forbidden_organization")
    async with http.get(g + f"/partners/{a.org_slug}/devices", headers={"X-API-Key": a.apikey}) as response:
        assert (response.status, (await response.json())["code"]) == (403, "forbidden_auth_method")
    async with http.get(g + "/devices", headers=org_headers) as response:  # a user route refuses the org key
        assert response.status == 403


async def test_the_device_api_refuses_a_request_that_did_not_come_through_the_gateway(device_stack, http):
    stack = await device_stack(services=("gateway", "session", "org-provisioning"))
    async with http.get(stack.device_api + "/devices", headers={"Authorization": "Bearer " + stack.account.sesskey}) as response:
        assert (response.status, (await response.json())["error"]["code"]) == (401, "no_identity")
    forged = "eyJhbGciOiJFZERTQSIsImtpZCI6IngifQ.eyJzdWIiOiIxIn0.AAAA"
    async with http.get(stack.device_api + "/devices", headers={"X-Latchkey-Identity": forged}) as response:
        assert (response.status, (await response.json())["error"]["code"]) == (401, "invalid_identity")


async def test_the_published_openapi_document_describes_the_routes_file_too(device_stack, http):
    stack = await device_stack(services=("gateway", "session", "org-provisioning"))
    async with http.get(stack.gateway + "/api/openapi.json") as response:
        paths = (await response.json())["paths"]
    assert "/api/1/users/me" in paths  # the services' own, as before
    assert paths["/plans"]["get"]["security"] == []  # public
    devices = paths["/devices/{deviceId}"]
    assert devices["get"]["parameters"] == [{"name": "deviceId", "in": "path", "required": True, "schema": {"type": "string"}}]
    assert {"apiKeyHeader": []} in devices["get"]["security"]  # access = "user": any user credential
    retire = devices["delete"]
    assert {"apiKeyHeader": []} not in retire["security"] and {"basic": []} not in retire["security"]  # oauth, no API key
    assert "role ADMIN" in retire["description"] and "forbidden" in retire["responses"]["403"]["description"]
    assert paths["/partners/{orgId}/devices"]["get"]["security"] == [{"orgId": [], "orgKey": []}]
    assert "device-api" in paths["/devices"]["get"]["description"]
