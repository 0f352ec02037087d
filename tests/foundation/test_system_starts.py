"""The four services start on real sockets against real PostgreSQL and Redis."""

import pytest


@pytest.mark.parametrize("service", ["gateway", "session", "org-provisioning", "oidc-link"])
async def test_every_service_is_ready_with_its_dependencies(system, http, service):
    async with http.get(system.urls[service] + "/readyz") as response:
        assert response.status == 200
        assert (await response.json())["status"] == "ready"


async def test_request_id_is_kept_when_sane_and_replaced_when_not(system, http):
    async with http.get(system.urls["session"] + "/healthz", headers={"X-Request-ID": "abc12345-test"}) as response:
        assert response.headers["X-Request-ID"] == "abc12345-test"
    async with http.get(system.urls["session"] + "/healthz", headers={"X-Request-ID": "bad id\twith junk"}) as response:
        assert response.headers["X-Request-ID"] != "bad id\twith junk"
        assert len(response.headers["X-Request-ID"]) >= 8


async def test_metrics_are_exposed_in_prometheus_format_on_the_metrics_port_only(system, http):
    async with http.get(system.urls["metrics"] + "/metrics") as response:
        assert response.status == 200
        assert "latchkey_http_requests_total" in await response.text()
    async with http.get(system.urls["gateway"] + "/metrics") as response:
        assert response.status == 404
        assert "latchkey_http_requests_total" not in await response.text()
