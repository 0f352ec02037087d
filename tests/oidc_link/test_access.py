"""Who may use the SSO API, and how bad input is answered."""

from __future__ import annotations

import pytest

from tests.oidc_link.conftest import identity


@pytest.mark.parametrize(
    ("perms", "amr"),
    [(frozenset(), ("api_key",)), (frozenset({"oauth"}), ("api_key",)), (frozenset(), ("basic",))],
    ids=["api_key", "api_key_claiming_oauth", "basic"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/v1/sso"), ("GET", "/api/v1/sso"), ("GET", "/api/v1/sso/acme"), ("DELETE", "/api/v1/sso/acme")],
)
async def test_non_interactive_principals_get_forbidden_auth_method(sso, http, perms, amr, method, path):
    headers = identity(sso, 101, perms=perms, amr=amr)
    async with http.request(method, sso.urls["oidc-link"] + path, json={"issuer": "acme"}, headers=headers) as response:
        assert response.status == 403
        assert response.content_type == "application/problem+json"
        assert (await response.json())["code"] == "forbidden_auth_method"


async def test_anonymous_requests_are_unauthenticated(sso, http):
    async with http.get(sso.urls["oidc-link"] + "/api/v1/sso") as response:
        assert response.status == 401
        assert (await response.json())["code"] == "unauthenticated"


async def test_forged_identity_header_is_refused(sso, http):
    headers = {"X-Latchkey-Identity": "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."}
    async with http.get(sso.urls["oidc-link"] + "/api/v1/sso", headers=headers) as response:
        assert response.status == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"issuer": "nope"}, "issuer"),
        ({"issuer": 7}, "issuer"),
        ({}, "issuer"),
        ({"issuer": "acme", "returnTo": "https://evil.example/"}, "returnTo"),
        ({"issuer": "acme", "returnTo": "//evil.example/x"}, "returnTo"),
    ],
)
async def test_bad_link_requests_are_validation_failures(sso, http, body, field):
    async with http.post(sso.urls["oidc-link"] + "/api/v1/sso", json=body, headers=identity(sso, 101)) as response:
        assert response.status == 400
        problem = await response.json()
        assert problem["code"] == "validation_failed"
        assert field in problem["fields"]


async def test_unknown_issuer_is_named_in_the_error(sso, http):
    async with http.post(sso.urls["oidc-link"] + "/api/v1/sso", json={"issuer": "nope"}, headers=identity(sso, 101)) as response:
        assert (await response.json())["fields"] == {"issuer": "unknown_issuer"}


async def test_a_body_that_is_not_json_is_unsupported_media(sso, http):
    async with http.post(sso.urls["oidc-link"] + "/api/v1/sso", data="issuer=acme", headers=identity(sso, 101)) as response:
        assert response.status == 415
        assert (await response.json(content_type=None))["code"] == "unsupported_media_type"


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"'])
async def test_a_json_body_that_is_not_an_object_names_the_body(sso, http, raw):
    headers = {**identity(sso, 101), "Content-Type": "application/json"}
    async with http.post(sso.urls["oidc-link"] + "/api/v1/sso", data=raw, headers=headers) as response:
        problem = await response.json(content_type=None)
    assert response.status == 400 and problem["code"] == "validation_failed" and problem["fields"] == {"body": "must be a JSON object"}


@pytest.mark.parametrize("return_to", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"])
async def test_sign_in_never_redirects_off_site(sso, http, return_to):
    url = sso.urls["oidc-link"] + "/api/v1/sso/acme/login"
    async with http.get(url, params={"return_to": return_to}, allow_redirects=False) as response:
        assert response.status == 400
        assert (await response.json())["fields"] == {"return_to": "must be a path on this site"}


async def test_sign_in_with_unknown_provider_is_refused(sso, http):
    async with http.get(sso.urls["oidc-link"] + "/api/v1/sso/nope/login", allow_redirects=False) as response:
        assert response.status == 400
        assert (await response.json())["fields"] == {"issuer": "unknown_issuer"}


async def test_unreachable_provider_is_a_502_not_a_500(start_system, sso_env, tmp_path, http):
    path = tmp_path / "down.toml"
    path.write_text(
        '[[providers]]\nid = "down"\nname = "Down"\nicon = "x"\nissuer = "http://127.0.0.1:9/down"\n'
        'client_id = "c"\nclient_secret_env = "OIDC_ACME_SECRET"\n'
    )
    system = await start_system(("oidc-link",), **{**sso_env, "OIDC_PROVIDERS_FILE": str(path)})
    headers = identity(system, 1)
    async with http.post(system.urls["oidc-link"] + "/api/v1/sso", json={"issuer": "down"}, headers=headers) as response:
        assert response.status == 502
        assert (await response.json())["code"] == "provider_unavailable"
