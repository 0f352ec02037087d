"""Operator routes get what built-in routes get: stripping, CSRF, trailing slash, limits, 503/504 in their envelope."""

from __future__ import annotations

import asyncio

import pytest

from latchkey.settings import Env
from latchkey_cli.embedded import free_port
from session.sessions import SessionStore
from tests.gateway.support import Echo, new_session

ROUTES = """
[upstreams.shop]
urls = ["{echo}"]
identity_headers = true

[upstreams.quiet]
urls = ["{echo}"]

[upstreams.dead]
urls = ["http://127.0.0.1:{dead_port}"]

[upstreams.elsewhere]               # no urls: only another proxy reaches it (forward auth)

[upstreams.slow]
urls = ["{echo}"]
read_timeout = 0.3

[[routes]]
methods = ["*"]
prefix = "/shop"
upstream = "shop"
access = "user"
strip_prefix = true
envelope = "account"

[[routes]]
methods = ["GET"]
path = "/shop/health"
upstream = "shop"
access = "public"

[[routes]]
methods = ["GET"]
path = "/orders/{orderId}"
upstream = "quiet"
access = "user"
trailing_slash = true

[[routes]]
methods = ["GET"]
path = "/down"
upstream = "dead"
access = "public"

[[routes]]
methods = ["GET"]
path = "/slow"
upstream = "slow"
access = "public"
envelope = "account"

[[routes]]
methods = ["GET"]
prefix = "/elsewhere"
upstream = "elsewhere"
access = "user"

[[routes]]
methods = ["POST"]
path = "/upload"
upstream = "quiet"
access = "public"
"""


@pytest.fixture
async def shop(start_system, base_env, tmp_path):
    echo = await Echo(Env(base_env).key_map("INTERNAL_PUBLIC_KEYS"), "shop").start()
    routes = tmp_path / "routes.toml"
    routes.write_text(ROUTES.replace("{echo}", echo.url).replace("{dead_port}", str(free_port())))
    system = await start_system(
        ("gateway",), GATEWAY_ROUTES_FILE=str(routes), GATEWAY_MAX_BODY_BYTES="2048", CORS_ALLOWED_ORIGINS="https://app.example.com"
    )
    yield system, echo
    await echo.stop()


@pytest.fixture
def sessions(redis_client) -> SessionStore:
    return SessionStore(redis_client, idle_timeout=60, absolute_lifetime=3600)


async def test_a_prefix_route_strips_its_prefix_and_every_credential(shop, sessions, http):
    system, echo = shop
    sesskey = await new_session(sessions, 41)
    headers = {
        "Cookie": f"sesskey={sesskey}; theme=dark",
        "X-Latchkey-User": "1",  # a client's claim about identity is never passed on
        "X-Latchkey-Identity": "forged",
        "X-Request-ID": "req-operator-0001",
    }
    async with http.get(system.gateway + f"/shop/items/7?sesskey={sesskey}&colour=red", headers=headers) as response:
        assert response.status == 200, await response.text()
        seen = await response.json()
        assert response.headers["X-Request-ID"] == "req-operator-0001"
    assert (seen["path"], seen["query"]) == ("/items/7", "colour=red")
    assert seen["principal"]["sub"] == "41" and seen["principal"]["aud"] == "shop"
    assert seen["headers"]["cookie"] == "theme=dark"
    assert seen["headers"]["x-latchkey-user"] == "41"
    assert seen["headers"]["x-latchkey-auth"] == "pwd"
    assert seen["headers"]["x-request-id"] == "req-operator-0001"
    assert sesskey not in str(seen)
    # The prefix itself is `/` upstream; an exact route inside the prefix wins over it (and is public).
    async with http.get(system.gateway + "/shop", headers={"Authorization": "Bearer " + sesskey}) as response:
        assert (await response.json())["path"] == "/"
    async with http.get(system.gateway + "/shop/health") as response:
        assert (response.status, (await response.json())["path"]) == (200, "/shop/health")
    async with http.get(system.gateway + "/shopping") as response:  # a prefix ends at a segment boundary
        assert response.status == 404


async def test_plain_identity_headers_only_for_an_upstream_that_opts_in(shop, sessions, http):
    system, echo = shop
    sesskey = await new_session(sessions, 42)
    headers = {"Authorization": "Bearer " + sesskey, "X-Latchkey-Role": "ADMIN"}
    async with http.get(system.gateway + "/orders/9/", headers=headers) as response:
        seen = await response.json()
    assert seen["path"] == "/orders/9"  # trailing_slash = true: served, and folded
    assert seen["principal"]["aud"] == "quiet" and seen["principal"]["sub"] == "42"
    assert not [name for name in seen["headers"] if name.startswith("x-latchkey-") and name != "x-latchkey-identity"]


async def test_csrf_applies_to_a_cookie_on_an_operator_route(shop, sessions, http):
    system, _echo = shop
    sesskey = await new_session(sessions, 43)
    cookie = {"Cookie": f"sesskey={sesskey}"}
    async with http.post(system.gateway + "/shop/cart", headers={**cookie, "Origin": "https://evil.example"}) as response:
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "csrf_rejected"  # in the route's (account) envelope
    async with http.post(system.gateway + "/shop/cart", headers={**cookie, "Origin": system.gateway}) as response:
        assert response.status == 200


async def test_an_operator_upstream_down_or_slow_is_503_or_504_in_the_routes_envelope(shop, http):
    system, _echo = shop
    async with http.get(system.gateway + "/down") as response:
        assert response.status == 503 and response.headers["Retry-After"]
        assert response.content_type == "application/problem+json"
        assert (await response.json())["code"] == "service_unavailable"
    async with http.get(system.gateway + "/slow", headers={"X-Echo-Sleep": "1"}) as response:
        assert response.status == 504
        assert (await response.json())["error"]["code"] == "gateway_timeout"


async def test_bodies_are_limited_and_streamed_as_on_built_in_routes(shop, http):
    system, echo = shop
    async with http.post(system.gateway + "/upload", data=b"x" * 3000, headers={"Content-Type": "application/octet-stream"}) as response:
        assert response.status == 413

    async def chunks():
        for _ in range(4):
            yield b"y" * 400

    async with http.post(system.gateway + "/upload", data=chunks(), headers={"Content-Type": "application/octet-stream"}) as response:
        assert response.status == 200
        assert (await response.json())["body"] == "y" * 1600


async def raw_get(base: str, target: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """One request with the target exactly as written (clients normalise dot segments away)."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    lines = [f"GET {target} HTTP/1.1", f"Host: {host}", "Connection: close", *(f"{k}: {v}" for k, v in headers.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    answer = await reader.read()
    writer.close()
    return int(answer.split(b" ", 2)[1]), answer.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize("target", ["/shop/health/../admin", "/shop/health/%2e%2e/admin", "/shop/./x"])
async def test_a_path_with_dot_segments_is_refused_not_judged_under_another_route(shop, sessions, target):
    system, echo = shop
    sesskey = await new_session(sessions, 44)
    status, body = await raw_get(system.gateway, target, {"Authorization": "Bearer " + sesskey})
    assert status == 400, body
    assert b"invalid_path" in body
    assert not echo.seen


async def test_cors_knows_operator_routes_of_any_method_and_prefix(shop, sessions, http):
    system, _echo = shop
    preflight = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"}
    async with http.options(system.gateway + "/shop/cart/3", headers=preflight) as response:
        assert response.headers.get("Access-Control-Allow-Origin") == "https://app.example.com"
    async with http.options(system.gateway + "/upload", headers=preflight) as response:  # POST only: no PUT there
        assert "Access-Control-Allow-Origin" not in response.headers
    # A listed origin's page is trusted with the cookie on an operator route, as on /api/1/.
    sesskey = await new_session(sessions, 45)
    headers = {"Cookie": f"sesskey={sesskey}", "Origin": "https://app.example.com"}
    async with http.put(system.gateway + "/shop/cart/3", headers=headers) as response:
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"


async def test_an_upstream_without_urls_is_judged_by_verify_and_never_proxied(shop, sessions, http):
    system, echo = shop
    bearer = {"Authorization": "Bearer " + await new_session(sessions, 46)}
    async with http.get(system.gateway + "/elsewhere/reports", headers=bearer) as response:
        assert response.status == 404
    asked = {**bearer, "X-Forwarded-Uri": "/elsewhere/reports", "X-Forwarded-Method": "GET"}
    async with http.get(system.gateway + "/auth/verify", headers=asked) as response:
        assert response.status == 200
        assert response.headers["X-Latchkey-User"] == "46"
    assert not echo.seen
