"""Dead, slow and overfed upstreams: 503, 504 and 413 in the family's envelope (echo upstream)."""

from __future__ import annotations

import asyncio
import time

from latchkey.settings import Env
from latchkey_cli.embedded import free_port

from .support import Echo, new_session


async def test_a_dead_service_is_503_fast_and_other_families_keep_working(start_system, echo, sessions, http):
    dead = f"http://127.0.0.1:{free_port()}"
    system = await start_system(("gateway",), SESSION_URLS=dead, ORG_PROVISIONING_URLS=echo.url, OIDC_LINK_URLS=echo.url)
    sesskey = await new_session(sessions, 91)
    started = time.perf_counter()
    async with http.get(system.gateway + "/api/1/users/me", headers={"Authorization": "Bearer " + sesskey}) as response:
        assert response.status == 503
        assert response.headers["Retry-After"]
        assert (await response.json())["error"]["code"] == "service_unavailable"
    assert time.perf_counter() - started < 1
    async with http.get(system.gateway + "/api/v1/sso/providers") as response:
        assert response.status == 200
    async with http.get(system.gateway + "/readyz") as response:
        assert response.status == 503
        assert await response.json() == {"status": "unavailable"}  # the public port names nothing
    async with http.get(system.urls["metrics"] + "/readyz") as response:
        assert response.status == 503
        assert "session_ready" in (await response.json())["failed"]


async def test_an_instance_that_refuses_connections_is_skipped(gateway_to, echo, http):
    dead = f"http://127.0.0.1:{free_port()}"
    system = await gateway_to(urls=f"{dead},{echo.url}")
    for _ in range(4):
        async with http.get(system.gateway + "/api/v1/sso/providers") as response:
            assert response.status == 200
    assert len(echo.seen) == 4


async def test_a_slow_service_is_504(gateway_to, echo, http):
    system = await gateway_to(GATEWAY_READ_TIMEOUT="0.3")
    async with http.get(system.gateway + "/api/v1/sso/providers", headers={"X-Echo-Sleep": "1"}) as response:
        assert response.status == 504
        assert response.content_type == "application/problem+json"
        assert (await response.json())["code"] == "gateway_timeout"


async def test_bodies_over_the_limit_are_413_sized_or_streamed(gateway_to, echo, http):
    system = await gateway_to(GATEWAY_MAX_BODY_BYTES="2048")
    url = system.gateway + "/api/1/auth/session"
    async with http.post(url, json={"email": "a@example.com", "password": "x" * 3000}) as response:
        assert response.status == 413
        assert (await response.json())["error"]["code"] == "payload_too_large"

    async def chunks():
        for _ in range(10):
            yield b"y" * 1000

    async with http.post(url, data=chunks(), headers={"Content-Type": "application/octet-stream"}) as response:
        assert response.status == 413
    async with http.post(url, json={"email": "a@example.com", "password": "x" * 100}) as response:
        assert response.status == 200


async def test_redis_down_is_503_for_credentials_while_public_routes_keep_working(gateway_to, echo, http):
    system = await gateway_to(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    async with http.get(system.gateway + "/api/1/users/me", headers={"Authorization": "Bearer " + "a" * 26}) as response:
        assert response.status == 503
        assert (await response.json())["error"]["code"] == "service_unavailable"
    async with http.get(system.gateway + "/api/v1/sso/providers") as response:
        assert response.status == 200


async def test_an_upstream_that_closes_idle_connections_costs_no_failed_request(start_system, base_env, http):
    impatient = await Echo(Env(base_env).key_map("INTERNAL_PUBLIC_KEYS")).start(keepalive_timeout=0.1)
    try:
        system = await start_system(("gateway",), OIDC_LINK_URLS=impatient.url)
        for _ in range(3):
            async with http.get(system.gateway + "/api/v1/sso/providers") as response:
                assert response.status == 200
            await asyncio.sleep(0.3)  # the upstream has closed the pooled connection by now
    finally:
        await impatient.stop()
