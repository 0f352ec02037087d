"""A known API path answers 405 with Allow for a method it does not serve (TRACE included); an unknown path 404."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("method", ["TRACE", "PATCH", "PUT"])
async def test_a_known_path_answers_405_naming_its_methods(gateway_to, http, method):
    system = await gateway_to()
    async with http.request(method, system.gateway + "/api/1/auth/session") as response:
        assert response.status == 405
        assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST", "DELETE"}
        assert (await response.json())["error"]["code"] == "method_not_allowed"
    async with http.request(method, system.gateway + "/api/v1/sso/providers") as response:
        assert response.status == 405 and "GET" in response.headers["Allow"]
        assert response.content_type == "application/problem+json"


async def test_an_unknown_path_is_still_404(gateway_to, http):
    system = await gateway_to()
    async with http.request("TRACE", system.gateway + "/api/1/no/such/route") as response:
        assert response.status == 404
