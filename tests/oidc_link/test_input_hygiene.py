"""Hostile input to the SSO API, and hostile claims from a provider, never give a 500.

PostgreSQL text cannot hold NUL and the JSON parser has a depth limit: each
once surfaced as a 500 (for the callback, a JSON error in the middle of a
browser redirect).
"""

from __future__ import annotations

import pytest

from tests.oidc_link.conftest import PUBLIC_URL, identity, query_of

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    "data", ["[" * 100_000, '{"issuer": "acme", "returnTo": "/\\ud800"}'], ids=["too-deep", "lone-surrogate"]
)
async def test_unreadable_link_request_is_a_validation_error(sso, http, data):
    headers = {**identity(sso, 101), **JSON}
    async with http.post(sso.urls["oidc-link"] + "/api/v1/sso", data=data, headers=headers) as response:
        problem = await response.json(content_type=None)
    assert response.status == 400 and problem["code"] == "validation_failed", problem


async def test_reading_a_link_with_nul_in_the_issuer_is_not_linked(sso, http):
    async with http.get(sso.urls["oidc-link"] + "/api/v1/sso/a%00b", headers=identity(sso, 101)) as response:
        problem = await response.json(content_type=None)
    assert response.status == 404 and problem["code"] == "not_linked", problem


async def test_id_token_email_with_nul_links_without_the_email(browser, db):
    landed = await browser.link(101, "acme", login_as="alice", email="alice\x00@example.com")
    assert landed == PUBLIC_URL + "/account?sso=linked"
    row = await db.fetchrow("SELECT subject, email FROM oidc.links WHERE user_id = 101")
    assert row["subject"] == "alice" and row["email"] is None


async def test_id_token_subject_with_nul_is_an_invalid_id_token(browser, db):
    landed = await browser.link(101, "acme", login_as="al\x00ice")
    assert query_of(landed)["sso_error"] == "invalid_id_token"
    assert await db.fetchval("SELECT count(*) FROM oidc.links") == 0


async def test_callback_with_a_non_utf8_flow_cookie_is_an_invalid_state(browser):
    import asyncio

    callback_url = await browser.authorize(await browser.start_link(101, "acme"))
    host_port, _, path = callback_url.removeprefix("http://").partition("/")
    host, port = host_port.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"GET /" + path.encode() + b" HTTP/1.1\r\nHost: x\r\nCookie: sso_flow=\xff\xfe\r\nConnection: close\r\n\r\n")
    await writer.drain()
    head = (await reader.read(4096)).decode("latin-1")
    writer.close()
    assert head.startswith("HTTP/1.1 303"), head[:200]
    assert "sso_error=invalid_state" in head
