"""The sessions list and ending one session, through the gateway, with every credential form."""

from __future__ import annotations

import asyncio
from datetime import datetime

from latchkey_cli.embedded import free_port

from tests.harness import System
from tests.self_service.conftest import PASSWORD, basic, bearer, create_user, login

SESSIONS = "/api/1/auth/sessions"
CHROME_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
FIREFOX_WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


async def _sessions(api, system: System, headers: dict[str, str]) -> list[dict]:
    async with api.get(system.gateway + SESSIONS, headers=headers) as response:
        body = await response.json()
        assert response.status == 200, body
        return body["data"]["sessions"]


async def _me(api, system: System, headers: dict[str, str]) -> int:
    async with api.get(system.gateway + "/api/1/users/me", headers=headers) as response:
        return response.status


async def test_the_list_describes_each_session_and_marks_the_current_one(mail_system, api):
    await create_user(mail_system)
    mac = await login(api, mail_system, **{"User-Agent": CHROME_MAC})
    windows = await login(api, mail_system, **{"User-Agent": FIREFOX_WIN})

    listed = await _sessions(api, mail_system, bearer(mac))
    assert [s["userAgent"] for s in listed] == ["Firefox on Windows", "Chrome on macOS"]  # newest first
    assert [s["current"] for s in listed] == [False, True]
    for entry in listed:
        assert entry["ip"] == "127.0.0.1" and entry["methods"] == ["pwd"]
        assert datetime.fromisoformat(entry["createdAt"]) <= datetime.fromisoformat(entry["lastSeenAt"])
        assert mac not in entry["id"] and windows not in entry["id"]  # an id, never a key
    # Basic and API keys have no session of their own: nothing is current.
    assert [s["current"] for s in await _sessions(api, mail_system, basic("ada@example.com", PASSWORD))] == [False, False]


async def test_last_seen_moves_when_a_session_is_used(mail_system, api):
    await create_user(mail_system)
    key = await login(api, mail_system)
    first = (await _sessions(api, mail_system, bearer(key)))[0]["lastSeenAt"]
    await asyncio.sleep(0.05)
    await _me(api, mail_system, bearer(key))
    second = (await _sessions(api, mail_system, bearer(key)))[0]["lastSeenAt"]
    assert second > first


async def test_revoking_one_session_ends_only_it_for_every_credential_form(mail_system, start_system, api):
    await create_user(mail_system)
    keep = await login(api, mail_system)
    doomed = await login(api, mail_system)
    other_gateway = await start_system(("gateway",), **{**mail_system.env, "GATEWAY_PORT": str(free_port())})
    assert await _me(api, other_gateway, bearer(doomed)) == 200

    listed = await _sessions(api, mail_system, bearer(keep))
    target = next(s["id"] for s in listed if not s["current"])
    async with api.delete(mail_system.gateway + f"{SESSIONS}/{target}", headers=bearer(keep)) as response:
        assert response.status == 200, await response.text()

    g = mail_system.gateway
    assert await _me(api, mail_system, bearer(doomed)) == 401
    async with api.get(g + "/api/1/users/me", params={"sesskey": doomed}) as response:
        assert response.status == 401
    async with api.get(g + "/api/1/users/me", headers={"Cookie": f"sesskey={doomed}"}) as response:
        assert response.status == 401
    assert await _me(api, other_gateway, bearer(doomed)) == 401  # the other instance reads the same Redis: at once
    assert await _me(api, mail_system, bearer(keep)) == 200
    assert [s["current"] for s in await _sessions(api, mail_system, bearer(keep))] == [True]


async def test_every_credential_form_can_list_and_revoke(mail_system, api):
    await create_user(mail_system)
    owner = await login(api, mail_system)
    async with api.get(mail_system.gateway + "/api/1/users/me/apikey", headers=bearer(owner)) as response:
        apikey = (await response.json())["data"]["apikey"]
    forms = {
        "bearer": {"headers": bearer(owner)},
        "cookie": {"headers": {"Cookie": f"sesskey={owner}", "Origin": mail_system.gateway}},
        "param": {"params": {"sesskey": owner}},
        "basic": {"headers": basic("ada@example.com", PASSWORD)},
        "apikey": {"headers": {"X-API-Key": apikey}},
    }
    for name, credential in forms.items():
        victim = await login(api, mail_system)
        listed = await _sessions(api, mail_system, bearer(victim))
        target = next(s["id"] for s in listed if s["current"])
        async with api.delete(mail_system.gateway + f"{SESSIONS}/{target}", **credential) as response:
            assert response.status == 200, (name, await response.text())
        assert await _me(api, mail_system, bearer(victim)) == 401, name
    assert await _me(api, mail_system, bearer(owner)) == 200


async def test_another_users_session_cannot_be_revoked(mail_system, api):
    await create_user(mail_system)
    await create_user(mail_system, "bob@example.com")
    ada = await login(api, mail_system)
    bob = await login(api, mail_system, "bob@example.com")
    bobs = (await _sessions(api, mail_system, bearer(bob)))[0]["id"]
    for target in (bobs, "not-an-id", "0" * 32, "A" * 32):
        async with api.delete(mail_system.gateway + f"{SESSIONS}/{target}", headers=bearer(ada)) as response:
            body = await response.json()
            assert response.status == 404 and body["error"]["code"] == "session_not_found", (target, body)
    assert await _me(api, mail_system, bearer(bob)) == 200
