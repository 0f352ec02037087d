"""Hostile input to the organization API and its internal routes is a 4xx, never a 500.

PostgreSQL text cannot hold NUL, `str.encode()` cannot take a lone surrogate,
the JSON parser has a depth limit and int() refuses thousands of digits:
each of these once surfaced as a 500.
"""

from __future__ import annotations

import pytest

from tests.org_provisioning.conftest import as_gateway, as_principal, org_key_principal, org_url, session_principal

JSON = {"Content-Type": "application/json"}
TOO_DEEP = "[" * 100_000


@pytest.fixture
async def acme(system, make_org):
    return await make_org("acme")


async def _problem(http, method, url, **kwargs):
    async with http.request(method, url, **kwargs) as response:
        return response.status, await response.json(content_type=None)


@pytest.mark.parametrize("path", ["/user/bob/update", "/settings"])
async def test_json_nested_past_the_parser_depth_is_a_validation_error(system, http, acme, path):
    principal = org_key_principal(acme["id"]) if path.endswith("update") else session_principal(1, acme["id"])
    method = "POST" if path.endswith("update") else "PATCH"
    headers = {**as_principal(system, principal), **JSON}
    status, problem = await _problem(http, method, org_url(system, "/api/organization/acme" + path), data=TOO_DEEP, headers=headers)
    assert status == 400 and problem["code"] == "validation_failed", problem


async def test_settings_name_with_nul_is_a_validation_error(system, http, acme):
    headers = as_principal(system, session_principal(1, acme["id"]))
    url = org_url(system, "/api/organization/acme/settings")
    status, problem = await _problem(http, "PATCH", url, json={"name": "Acme\x00"}, headers=headers)
    assert status == 400 and problem["code"] == "validation_failed" and "name" in problem["fields"], problem


async def test_list_limit_of_thousands_of_digits_is_a_validation_error(system, http, acme):
    headers = as_principal(system, org_key_principal(acme["id"]))
    url = org_url(system, "/api/organization/acme/users?limit=" + "9" * 5000)
    status, problem = await _problem(http, "GET", url, headers=headers)
    assert status == 400 and problem["fields"].keys() == {"limit"}, problem


async def test_refresh_token_with_lone_surrogate_is_refused_without_a_session(system, http):
    url = org_url(system, "/api/auth/refresh-token")
    status, problem = await _problem(http, "POST", url, data='{"refreshToken": "\\ud800"}', headers=JSON)
    assert (status, problem["code"]) in ((400, "validation_failed"), (401, "invalid_refresh_token")), problem


@pytest.mark.parametrize(
    "body", ['{"orgId": "acme\\u0000", "apiKey": "x"}', '{"orgId": "acme", "apiKey": "\\ud800"}'], ids=["nul-slug", "surrogate-key"]
)
async def test_org_key_check_with_unstorable_text_is_invalid_credentials(system, http, acme, body):
    url = org_url(system, "/internal/org-keys/verify")
    status, problem = await _problem(http, "POST", url, data=body, headers={**as_gateway(system), **JSON})
    assert (status, problem["code"]) in ((400, "validation_failed"), (401, "invalid_credentials")), problem


@pytest.mark.parametrize("query", ["limit=%C2%B2", "cursor=%C2%B2", "limit=%D9%A3"], ids=["superscript-limit", "superscript-cursor", "arabic-limit"])
async def test_non_ascii_digits_in_paging_are_a_validation_error(system, http, acme, query):
    # "²".isdigit() is True but int("²") fails: only ASCII digits are numbers here.
    headers = as_principal(system, org_key_principal(acme["id"]))
    status, problem = await _problem(http, "GET", org_url(system, "/api/organization/acme/users?" + query), headers=headers)
    assert status == 400 and problem["code"] == "validation_failed", problem
