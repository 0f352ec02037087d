"""nginx auth_request and Caddy forward_auth, configured as in examples/forward-auth/, in front of the device API."""

from __future__ import annotations

import pytest

from latchkey_cli.embedded import free_port
from tests.gateway.support import sign_in

from .proxies import start_caddy, start_nginx, stop


@pytest.fixture(params=["nginx", "caddy"])
async def behind_proxy(request, device_stack, tmp_path):
    # The proxy binds its port first, so no service started after it can take that port.
    proxy_port, gateway_port, app_port = free_port(), free_port(), free_port()
    start = start_nginx if request.param == "nginx" else start_caddy
    process = start(tmp_path, proxy=proxy_port, gateway=gateway_port, app=app_port)
    try:
        stack = await device_stack(
            services=("gateway", "session", "org-provisioning"),
            device_port=app_port,
            GATEWAY_PORT=str(gateway_port),
            PUBLIC_URL=f"http://127.0.0.1:{proxy_port}",  # users see the proxy: sign-in links and the CSRF check say so
        )
        yield stack, f"http://127.0.0.1:{proxy_port}"
    finally:
        stop(process)


async def test_each_credential_passes_the_proxy_and_the_app_trusts_the_identity(behind_proxy, http):
    stack, site = behind_proxy
    a = stack.account
    for kwargs in (
        {"headers": {"X-API-Key": a.apikey}},
        {"params": {"sesskey": a.sesskey}},
        {"headers": {"Authorization": "Bearer " + a.sesskey}},
    ):
        async with http.get(site + "/devices", **kwargs) as response:
            assert response.status == 200, await response.text()
            assert len((await response.json())["devices"]) == 2
    # What a client claims about identity never reaches the app; Latchkey's answer does.
    spoofed = {"X-Latchkey-Role": "ADMIN", "X-Latchkey-User": "1", "X-Latchkey-Identity": "forged", "X-API-Key": a.apikey}
    async with http.get(site + "/devices/whoami", headers=spoofed) as response:
        assert response.status == 200, await response.text()
        seen = await response.json()
    assert seen["claims"]["sub"] == str(a.userid) and seen["claims"]["amr"] == ["api_key"]
    assert seen["plainHeaders"]["X-Latchkey-Role"] == "USER" and seen["plainHeaders"]["X-Latchkey-User"] == str(a.userid)
    # A cookie from signing in through the proxy itself (Latchkey's API on the same origin).
    sesskey = await sign_in(site, http, a.email, a.password)
    device = f"dev-{seen['claims']['org']}-1"
    async with http.post(site + f"/devices/{device}/sim/activate", headers={"Cookie": f"sesskey={sesskey}", "Origin": site}) as response:
        assert response.status == 200, await response.text()
        assert (await response.json())["sim"]["activatedBy"] == str(a.userid)


async def test_refusals_reach_the_client_in_the_routes_envelope_and_browsers_go_to_sign_in(behind_proxy, http):
    stack, site = behind_proxy
    a = stack.account
    async with http.get(site + "/devices") as response:
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "unauthenticated"
    async with http.get(site + "/devices?page=2", headers={"Accept": "text/html"}, allow_redirects=False) as response:
        assert response.status == 302
        assert response.headers["Location"] == site + "/login?return_to=/devices%3Fpage%3D2"
    async with http.post(site + "/devices/x/sim/activate", headers={"X-API-Key": a.apikey}) as response:
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "forbidden_auth_method"
    async with http.post(site + "/devices/x/sim/activate", headers={"Cookie": f"sesskey={a.sesskey}", "Origin": "https://evil.example"}) as response:
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "csrf_rejected"
    async with http.get(site + "/devices", headers={"X-API-Key": "not-a-key"}) as response:
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "invalid_credentials"
