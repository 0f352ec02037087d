"""Edge duties: one Redis round trip per session request, clean access logs, the combined OpenAPI."""

from __future__ import annotations

import json

from latchkey.security import short_fingerprint

from .support import new_session

ME = "/api/1/users/me"


async def redis_calls(redis_client) -> dict[str, int]:
    stats = await redis_client.info("commandstats")
    return {name: entry["calls"] for name, entry in stats.items() if name != "cmdstat_info"}


async def test_a_cookie_request_costs_exactly_one_redis_round_trip(gateway_to, echo, sessions, redis_client, http):
    system = await gateway_to()
    sesskey = await new_session(sessions, 101)
    cookie = {"Cookie": "sesskey=" + sesskey}
    async with http.get(system.gateway + ME, headers=cookie) as response:
        assert response.status == 200  # warm: the gateway's Redis connection is open
    before = await redis_calls(redis_client)
    async with http.get(system.gateway + ME, headers=cookie) as response:
        assert response.status == 200
    after = await redis_calls(redis_client)
    delta = {name: after[name] - before.get(name, 0) for name in after if after[name] != before.get(name, 0)}
    assert delta == {"cmdstat_getex": 1}


async def test_access_log_names_the_principal_and_never_a_secret(gateway_to, echo, sessions, http, log_lines):
    system = await gateway_to()
    sesskey = await new_session(sessions, 102)
    unknown = "z" * 26
    async with http.get(system.gateway + ME, params={"sesskey": sesskey}) as response:
        assert response.status == 200
    async with http.get(system.gateway + ME, headers={"Cookie": "sesskey=" + unknown}) as response:
        assert response.status == 401
    lines = log_lines()
    text = json.dumps(lines)
    assert sesskey not in text and unknown not in text
    access = [line for line in lines if line.get("logger") == "latchkey.access" and line.get("route") == ME]
    assert [(a["status"], a["principal"], a["auth"]) for a in access] == [(200, "102", "pwd"), (401, None, None)]
    assert all(a["method"] == "GET" and a["ms"] >= 0 and a["request_id"] for a in access)
    rejected = [line for line in lines if line.get("msg") == "credential rejected"]
    assert rejected and rejected[0]["credential"] == short_fingerprint(unknown)


async def test_openapi_combines_the_services_public_paths(system, http):
    async with http.get(system.gateway + "/api/openapi.json") as response:
        assert response.status == 200
        document = await response.json()
    assert document["openapi"].startswith("3.1")
    assert document["paths"], "at least one service publishes its document"
    assert all(path.startswith("/api/") for path in document["paths"])
    assert "sessionCookie" in document["components"]["securitySchemes"]
    # Each operation states what the gateway's policy accepts there.
    assert document["paths"]["/api/organization/{orgId}/users"]["get"]["security"] == [{"orgId": [], "orgKey": []}]
    assert {"apiKeyHeader": []} not in document["paths"]["/api/v1/sso"]["get"]["security"]
    assert document["paths"]["/api/v1/sso/providers"]["get"]["security"] == []


async def test_openapi_skips_a_service_that_is_down(gateway_to, echo, http):
    system = await gateway_to(urls="http://127.0.0.1:9")
    async with http.get(system.gateway + "/api/openapi.json") as response:
        assert response.status == 200
        assert (await response.json())["paths"] == {}
