"""Hostile bodies and paths get a 4xx with a stable code, never a 500.

PostgreSQL text cannot hold NUL, UTF-8 cannot hold a lone surrogate, and the
JSON parser has a depth limit: each of these once surfaced as a 500.
"""

from __future__ import annotations

import pytest

from tests.session.conftest import service_auth

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {"email": "ada\x00@example.com", "password": "whatever1"}},
        {"data": "email=ada%00%40example.com&password=whatever1", "headers": FORM},
        {"data": '{"email": "ada@example.com", "password": "\\ud800"}', "headers": JSON},
    ],
    ids=["json-nul", "form-nul", "lone-surrogate"],
)
async def test_login_with_unstorable_text_is_a_validation_error(session_system, http, make_user, kwargs):
    await make_user(session_system)
    async with http.post(session_system.urls["session"] + "/api/1/auth/session", **kwargs) as response:
        body = await response.json()
    assert response.status == 400, body
    assert body["error"]["code"] == "validation_failed"


@pytest.mark.parametrize(
    "data, headers",
    [
        (b"email=\xff&password=\xfe", FORM),
        (b"--x\r\n", {"Content-Type": "multipart/form-data; boundary=x"}),
        (b"--x\r\n", {"Content-Type": "multipart/form-data"}),
        (b"[" * 100_000, JSON),
    ],
    ids=["form-not-utf8", "broken-multipart", "multipart-no-boundary", "json-too-deep"],
)
async def test_login_with_unreadable_body_is_a_validation_error_naming_the_body(session_system, http, data, headers):
    async with http.post(session_system.urls["session"] + "/api/1/auth/session", data=data, headers=headers) as response:
        body = await response.json()
    assert response.status == 400, body
    assert body["error"]["code"] == "validation_failed" and set(body["error"]["fields"]) == {"body"}


@pytest.mark.parametrize("field", ["name", "email", "role", "picture"])
async def test_provisioning_a_profile_with_nul_is_a_validation_error_naming_the_field(session_system, http, field):
    value = {"email": "bob\x00@example.com", "picture": "https://example.com/\x00.png"}.get(field, "Bob\x00")
    async with http.put(
        session_system.urls["session"] + "/internal/organizations/1/users/bob",
        json={field: value},
        headers=service_auth(session_system, "org-provisioning"),
    ) as response:
        body = await response.json()
    assert response.status == 400, body
    assert body["code"] == "validation_failed" and field in body["fields"]


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_org_user_path_with_nul_is_a_validation_error(session_system, http, method):
    async with http.request(
        method,
        session_system.urls["session"] + "/internal/organizations/1/users/b%00b",
        headers=service_auth(session_system, "org-provisioning"),
    ) as response:
        body = await response.json()
    assert response.status == 400, body
    assert body["code"] == "validation_failed"


async def test_api_key_check_with_lone_surrogate_is_rejected(session_system, http):
    async with http.post(
        session_system.urls["session"] + "/internal/auth/api-key",
        data='{"apikey": "\\udfff"}',
        headers={**JSON, **service_auth(session_system, "gateway")},
    ) as response:
        body = await response.json()
    assert response.status == 400, body


async def test_user_id_of_thousands_of_digits_is_not_found(session_system, http):
    async with http.get(
        session_system.urls["session"] + "/internal/users/" + "9" * 5000, headers=service_auth(session_system, "oidc-link")
    ) as response:
        body = await response.json()
    assert response.status == 404, body


async def _raw(url: str, head: bytes, body: bytes = b"") -> int:
    """The status of a request written byte by byte (aiohttp's client refuses non-UTF-8 header values)."""
    import asyncio

    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(head + b"Host: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


async def test_login_with_a_non_utf8_client_address_header_is_answered(session_system):
    body = b'{"email": "ada@example.com", "password": "wrong password"}'
    head = b"POST /api/1/auth/session HTTP/1.1\r\nX-Real-IP: \xff\xfe\r\nContent-Type: application/json\r\n"
    assert await _raw(session_system.urls["session"], head, body) == 401


async def test_non_utf8_identity_or_service_token_is_unauthenticated(session_system):
    assert await _raw(session_system.urls["session"], b"GET /api/1/users/me HTTP/1.1\r\nX-Latchkey-Identity: \xff\xfe\r\n") == 401
    assert await _raw(session_system.urls["session"], b"GET /internal/users/1 HTTP/1.1\r\nAuthorization: Bearer \xff\xfe\r\n") == 401


@pytest.mark.parametrize("query", ["limit=%C2%B2", "cursor=%C2%B2", "cursor=" + "9" * 5000], ids=["superscript-limit", "superscript-cursor", "giant-cursor"])
async def test_bad_paging_of_org_users_is_a_validation_error(session_system, http, query):
    async with http.get(
        session_system.urls["session"] + "/internal/organizations/1/users?" + query,
        headers=service_auth(session_system, "org-provisioning"),
    ) as response:
        body = await response.json()
    assert response.status == 400 and body["code"] == "validation_failed", body
