"""Revocations take effect on every gateway instance within a second (SPEC §2)."""

from __future__ import annotations

import asyncio
import time

import pytest

from latchkey_cli.embedded import free_port
from tests.harness import System

from .support import basic, create_account, sign_in

ME = "/api/1/users/me"


@pytest.fixture
async def second_gateway(system):
    """Another gateway instance on its own port, sharing Redis and the services with the first."""
    other = System(env={**system.env, "GATEWAY_PORT": str(free_port())})
    await other.start_service("gateway")
    yield f"http://127.0.0.1:{other.env['GATEWAY_PORT']}"
    await other.stop()


async def status_of(http, url: str, **kwargs) -> int:
    async with http.get(url, **kwargs) as response:
        return response.status


async def becomes(expected: int, http, url: str, **kwargs) -> float:
    """Seconds until `url` answers `expected` (fails after one second)."""
    started = time.perf_counter()
    while (status := await status_of(http, url, **kwargs)) != expected:
        assert time.perf_counter() - started < 1.0, f"still {status} after a second"
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


async def test_password_change_ends_other_sessions_and_cached_basic_on_another_gateway(system, second_gateway, http):
    account = await create_account(system, http)
    old_basic = {"Authorization": basic(account.email, account.password)}
    other_session = await sign_in(system.gateway, http, account.email, account.password)
    assert await status_of(http, second_gateway + ME, headers=old_basic) == 200  # now cached in Redis
    assert await status_of(http, second_gateway + ME, headers={"Authorization": "Bearer " + other_session}) == 200

    change = {"currentPassword": account.password, "newPassword": "a brand new password 2"}
    async with http.put(system.gateway + "/api/1/users/me/password", json=change, headers={"Authorization": "Bearer " + account.sesskey}) as response:
        assert response.status == 200, await response.text()

    await becomes(401, http, second_gateway + ME, headers=old_basic)
    await becomes(401, http, second_gateway + ME, headers={"Authorization": "Bearer " + other_session})
    new_basic = {"Authorization": basic(account.email, "a brand new password 2")}
    assert await status_of(http, second_gateway + ME, headers=new_basic) == 200


async def test_logout_ends_the_session_on_another_gateway(system, second_gateway, http):
    account = await create_account(system, http)
    bearer = {"Authorization": "Bearer " + account.sesskey}
    assert await status_of(http, second_gateway + ME, headers=bearer) == 200
    async with http.delete(system.gateway + "/api/1/auth/session", headers=bearer) as response:
        assert response.status == 200, await response.text()
    await becomes(401, http, second_gateway + ME, headers=bearer)


async def test_regenerated_api_key_stops_the_old_one_on_another_gateway(system, second_gateway, http):
    account = await create_account(system, http)
    assert await status_of(http, second_gateway + ME, params={"apikey": account.apikey}) == 200  # cached
    async with http.post(system.gateway + "/api/1/users/me/apikey", headers={"Authorization": "Bearer " + account.sesskey}) as response:
        assert response.status == 200, await response.text()
        new_key = (await response.json())["data"]["apikey"]
    await becomes(401, http, second_gateway + ME, params={"apikey": account.apikey})
    assert await status_of(http, second_gateway + ME, params={"apikey": new_key}) == 200
