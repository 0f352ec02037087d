"""/auth/verify speaks each proxy's dialect and decides from the same policy table as the gateway's own routing."""

from __future__ import annotations

import jwt

from tests.gateway.support import basic


async def verify(http, gateway: str, path: str = "/auth/verify", method: str = "GET", **headers: str):
    async with http.request(method, gateway + path, headers={k.replace("_", "-"): v for k, v in headers.items()}) as response:
        body = await response.read()
        return response.status, response.headers, body


async def test_every_dialect_names_the_original_request(device_stack, http):
    stack = await device_stack(services=("gateway", "session", "org-provisioning"))
    a, g = stack.account, stack.gateway
    bearer = "Bearer " + a.sesskey
    # nginx auth_request
    status, headers, _ = await verify(http, g, X_Original_URI="/devices/d1/sim/activate", X_Original_Method="POST", Authorization=bearer)
    assert status == 200
    claims = jwt.decode(headers["X-Latchkey-Identity"], options={"verify_signature": False})
    assert (claims["aud"], claims["sub"]) == ("device-api", str(a.userid))
    assert (headers["X-Latchkey-User"], headers["X-Latchkey-Role"], headers["X-Latchkey-Auth"]) == (str(a.userid), "USER", "pwd")
    # Traefik ForwardAuth / Caddy forward_auth; the query carries the credential here
    status, headers, _ = await verify(http, g, X_Forwarded_Method="GET", X_Forwarded_Uri=f"/devices?apikey={a.apikey}", X_Forwarded_Host="x")
    assert status == 200 and headers["X-Latchkey-Auth"] == "api_key"
    # Envoy ext_authz HTTP: our path, then the original one, with the original method
    status, headers, body = await verify(http, g, "/auth/verify/devices/d1/sim/activate", "POST", X_API_Key=a.apikey)
    assert (status, headers["Content-Type"]) == (403, "application/json; charset=utf-8")  # the route's account envelope
    assert b"forbidden_auth_method" in body


async def test_the_same_table_holds_built_in_routes_and_refuses_what_it_does_not_list(device_stack, http):
    stack = await device_stack(services=("gateway", "session", "org-provisioning"))
    a, g = stack.account, stack.gateway
    status, headers, body = await verify(http, g, X_Original_URI="/api/1/users/me/apikey", X_Original_Method="GET", X_API_Key=a.apikey)
    assert status == 403 and b"forbidden_auth_method" in body
    status, headers, _ = await verify(http, g, X_Original_URI="/api/1/users/me/", X_Original_Method="GET", X_API_Key=a.apikey)
    assert status == 200
    assert jwt.decode(headers["X-Latchkey-Identity"], options={"verify_signature": False})["aud"] == "latchkey:session"
    status, headers, body = await verify(http, g, X_Original_URI="/billing", X_Original_Method="GET", X_API_Key=a.apikey)
    assert status == 403 and headers["Content-Type"].startswith("application/problem+json") and b"no_matching_route" in body
    status, headers, body = await verify(http, g, X_Original_URI="/devices", X_Original_Method="PATCH", X_API_Key=a.apikey)
    assert status == 403 and b"no_matching_route" in body
    # A public route lets anyone through, with no identity to copy.
    status, headers, _ = await verify(http, g, X_Original_URI="/plans", X_Original_Method="GET")
    assert status == 200 and "X-Latchkey-Identity" not in headers
    # A proxy that names no sane original request is told so (and logs it).
    status, _, body = await verify(http, g, X_Original_URI="devices", X_Original_Method="GET")
    assert status == 400 and b"invalid_original_request" in body
    status, _, body = await verify(http, g, X_Original_URI="/devices/%2e%2e/api/1/users/me", X_Original_Method="GET")
    assert status == 400


async def test_a_browser_is_pointed_at_sign_in_and_an_api_client_is_challenged(device_stack, http):
    stack = await device_stack(services=("gateway", "session", "org-provisioning"))
    g = stack.gateway
    status, headers, body = await verify(http, g, X_Original_URI="/devices?page=2&sesskey=stale", X_Original_Method="GET", Accept="text/html")
    assert status == 401 and (b"invalid_credentials" in body or b"session_expired" in body)
    assert headers["Location"] == g + "/login?return_to=/devices%3Fpage%3D2"  # the stale key is not carried along
    status, headers, body = await verify(http, g, X_Original_URI="/devices", X_Original_Method="GET", Accept="application/json")
    assert status == 401 and "Location" not in headers
    assert headers["WWW-Authenticate"] == 'Bearer realm="latchkey"'
    assert b'"success": false' in body


async def test_a_cached_decision_costs_one_redis_command(device_stack, http, redis_client):
    stack = await device_stack(services=("gateway", "session", "org-provisioning"))
    a, g = stack.account, stack.gateway
    kinds = {"session": {"Authorization": "Bearer " + a.sesskey}, "api key": {"X-API-Key": a.apikey},
             "org key": {"x-org-id": a.org_slug, "x-api-key": a.org_key}, "basic": {"Authorization": basic(a.email, a.password)}}
    uris = {"session": "/devices", "api key": "/devices", "basic": "/devices", "org key": f"/partners/{a.org_slug}/devices"}
    for kind, headers in kinds.items():
        headers = {**headers, "X-Original-URI": uris[kind], "X-Original-Method": "GET"}
        async with http.get(g + "/auth/verify", headers=headers) as response:  # fills the cache
            assert response.status == 200, (kind, await response.text())
        before = (await redis_client.info("stats"))["total_commands_processed"]
        for _ in range(5):
            async with http.get(g + "/auth/verify", headers=headers) as response:
                assert response.status == 200
        after = (await redis_client.info("stats"))["total_commands_processed"]
        assert after - before - 1 == 5, kind  # one command per decision (and our own INFO)
