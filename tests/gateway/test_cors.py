"""CORS from CORS_ALLOWED_ORIGINS: preflights, answer headers and the CSRF allow-list (echo upstream)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gateway.cors import MAX_AGE_SECONDS, parse_allowed_origins
from gateway.settings import Settings
from latchkey.settings import SettingsError

from .support import new_session

PARTNER = "https://app.partner.example"
DEV = "http://localhost:3000"
STRANGER = "https://evil.example"

# One route of each family that a browser app calls, with a method that needs a preflight.
PREFLIGHTS = [
    ("account", "PUT", "/api/1/users/me/password"),
    ("account, trailing slash", "POST", "/api/1/users/me/apikey/"),
    ("organization admin", "PATCH", "/api/organization/acme/settings"),
    ("sso", "DELETE", "/api/v1/sso/google"),
]


@pytest.fixture
async def gateway(gateway_to):
    return await gateway_to(CORS_ALLOWED_ORIGINS=f"{PARTNER}, {DEV}/")


def preflight_headers(origin: str, method: str, headers: str = "content-type, authorization") -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}


def vary_of(response) -> set[str]:
    return {value.strip().lower() for value in response.headers.get("Vary", "").split(",")}


def cors_headers_of(response) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers.items() if name.lower().startswith("access-control-")}


@pytest.mark.parametrize(("family", "method", "path"), PREFLIGHTS, ids=[p[0] for p in PREFLIGHTS])
async def test_a_listed_origin_gets_the_preflight_of_each_family(gateway, echo, http, family, method, path):
    async with http.options(gateway.gateway + path, headers=preflight_headers(DEV, method)) as response:
        assert response.status == 204
        assert cors_headers_of(response) == {
            "access-control-allow-origin": DEV,
            "access-control-allow-credentials": "true",
            "access-control-allow-methods": method,
            "access-control-allow-headers": "content-type, authorization",
            "access-control-max-age": str(MAX_AGE_SECONDS),
        }
        assert {"origin", "access-control-request-method"} <= vary_of(response)
    assert echo.seen == []  # the gateway answers preflights itself


@pytest.mark.parametrize(("family", "method", "path"), PREFLIGHTS, ids=[p[0] for p in PREFLIGHTS])
async def test_an_unlisted_origin_gets_no_cors_header_at_all(gateway, echo, http, family, method, path):
    for origin in (STRANGER, "null", PARTNER + ".evil.example", "http://app.partner.example"):
        async with http.options(gateway.gateway + path, headers=preflight_headers(origin, method)) as response:
            assert response.status == 204
            assert cors_headers_of(response) == {}
            assert await response.read() == b""
    assert echo.seen == []


async def test_a_preflight_is_answered_only_for_a_method_the_route_table_routes(gateway, echo, http):
    refused = [
        ("PUT", "/api/1/users/me/apikey"),  # the path exists, not with this method
        ("GET", "/api/1/no/such/route"),
        # Server-to-server: a page calling it would carry the organization key for all to read.
        ("POST", "/api/organization/acme/user/alice/update"),
    ]
    for method, path in refused:
        async with http.options(gateway.gateway + path, headers=preflight_headers(PARTNER, method)) as response:
            assert response.status == 204 and cors_headers_of(response) == {}, (method, path)
    # The router decides: `/api/v1/sso/providers` is GET only, and a plain path answers 405 for its other
    # methods (DELETE there is not `/api/v1/sso/{issuer}` with issuer "providers"), so no preflight passes.
    async with http.options(gateway.gateway + "/api/v1/sso/providers", headers=preflight_headers(PARTNER, "DELETE")) as response:
        assert response.status == 204 and cors_headers_of(response) == {}
    async with http.options(gateway.gateway + "/api/v1/sso/acme", headers=preflight_headers(PARTNER, "DELETE")) as response:
        assert response.headers["Access-Control-Allow-Origin"] == PARTNER


async def test_answers_to_a_listed_origin_are_readable_with_credentials_and_expose_request_id(gateway, echo, sessions, http):
    sesskey = await new_session(sessions, 41)
    me = gateway.gateway + "/api/1/users/me"
    async with http.get(me, params={"sesskey": sesskey}, headers={"Origin": PARTNER}) as response:
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == PARTNER
        assert response.headers["Access-Control-Allow-Credentials"] == "true"
        exposed = {name.strip().lower() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
        assert exposed == {"x-request-id", "retry-after"}
        assert "origin" in vary_of(response)
    # An error is readable too, so the page can tell "sign in again" from "network down".
    async with http.get(me, headers={"Origin": PARTNER, "Authorization": "Bearer " + "z" * 26}) as response:
        assert response.status == 401
        assert response.headers["Access-Control-Allow-Origin"] == PARTNER
    # An unlisted origin, or none: the same answer without CORS headers, but still `Vary: Origin` for caches.
    for headers in ({"Origin": STRANGER}, {}):
        async with http.get(me, params={"sesskey": sesskey}, headers=headers) as response:
            assert response.status == 200
            assert cors_headers_of(response) == {}
            assert "origin" in vary_of(response)


async def test_no_cors_without_a_list_and_none_on_pages(gateway_to, echo, http):
    system = await gateway_to()
    async with http.options(system.gateway + "/api/1/users/me/password", headers=preflight_headers(PARTNER, "PUT")) as response:
        assert cors_headers_of(response) == {}
    async with http.get(system.gateway + "/login", headers={"Origin": PARTNER}) as response:
        assert cors_headers_of(response) == {}


async def test_cookie_state_changes_are_accepted_from_exactly_the_public_and_listed_origins(gateway, echo, sessions, http):
    sesskey = await new_session(sessions, 42)
    url = gateway.gateway + "/api/1/users/me/apikey"
    for origin in (PARTNER, DEV, gateway.gateway):
        async with http.post(url, headers={"Cookie": "sesskey=" + sesskey, "Origin": origin}) as response:
            assert response.status == 200, origin
    async with http.post(url, headers={"Cookie": "sesskey=" + sesskey, "Referer": PARTNER + "/dashboard"}) as response:
        assert response.status == 200
    for origin in (STRANGER, "http://localhost:3001", "https://partner.example"):
        async with http.post(url, headers={"Cookie": "sesskey=" + sesskey, "Origin": origin}) as response:
            assert response.status == 403 and (await response.json())["error"]["code"] == "csrf_rejected", origin
    assert len(echo.seen) == 4


def test_origins_are_read_in_canonical_form():
    assert parse_allowed_origins("V", " https://App.Example.com/ ,http://localhost:3000,https://app.example.com:443") == (
        "https://app.example.com:443",
        "http://localhost:3000",
    )
    assert parse_allowed_origins("V", None) == parse_allowed_origins("V", " ") == ()


@pytest.mark.parametrize(
    "entry",
    ["*", "https://*.example.com", "app.example.com", "ftp://app.example.com", "https://app.example.com/path",
     "https://user@app.example.com", "https://app.example.com:99999", "https://app.example.com?x=1", "null"],
)
def test_a_malformed_origin_is_a_settings_error_naming_it(base_env, entry):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({**base_env, "CORS_ALLOWED_ORIGINS": f"https://ok.example, {entry}"})
    assert raised.value.variable == "CORS_ALLOWED_ORIGINS" and repr(entry) in str(raised.value)


def test_a_malformed_origin_stops_the_gateway_with_one_line(base_env):
    env = {**os.environ, **base_env, "CORS_ALLOWED_ORIGINS": "https://*.partner.example"}
    done = subprocess.run([sys.executable, "-m", "gateway"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "gateway: configuration error: CORS_ALLOWED_ORIGINS: 'https://*.partner.example': "
        "wildcards are not allowed (answers carry credentials); list each origin"
    ]


OPERATOR_ROUTES = """
[upstreams.devices]
urls = ["{echo}"]

[[routes]]
methods = ["GET", "PUT"]
prefix = "/devices"
upstream = "devices"
access = "user"

[[routes]]
methods = ["POST"]
path = "/billing/charge"
upstream = "devices"
access = "no_api_key"
cors_origins = ["https://billing.partner.example"]
"""


async def test_operator_routes_take_the_gateways_list_or_their_own(gateway_to, echo, http, tmp_path):
    routes = tmp_path / "routes.toml"
    routes.write_text(OPERATOR_ROUTES.replace("{echo}", echo.url))
    system = await gateway_to(GATEWAY_ROUTES_FILE=str(routes), CORS_ALLOWED_ORIGINS=PARTNER)
    expected = [
        ("PUT", "/devices/7", PARTNER, True),
        ("PUT", "/devices/7", STRANGER, False),
        ("DELETE", "/devices/7", PARTNER, False),  # not a method of the route
        ("POST", "/billing/charge", "https://billing.partner.example", True),
        ("POST", "/billing/charge", PARTNER, False),  # its own list replaces the gateway's
    ]
    for method, path, origin, allowed in expected:
        async with http.options(system.gateway + path, headers=preflight_headers(origin, method)) as response:
            assert (response.headers.get("Access-Control-Allow-Origin") == origin) is allowed, (method, path, origin)
    assert echo.seen == []
