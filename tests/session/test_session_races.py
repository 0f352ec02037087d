"""Ending a user's sessions also ends the ones being opened at that moment.

A login checks the password, then opens the session: a password change (or a
disable, a deprovisioning, a role change) that lands between the two used to
miss that session, so someone logging in with the old password while the
owner changed it kept a live session.
"""

from __future__ import annotations

import asyncio

from session.sessions import SessionStore, session_handle
from tests.session.conftest import PASSWORD, identity, session_principal

NEW_PASSWORD = "a brand new passphrase"
ATTEMPTS = 40


async def _login(http, system, password):
    async with http.post(system.urls["session"] + "/api/1/auth/session", json={"email": "ada@example.com", "password": password}) as response:
        body = await response.json()
        return body["data"]["sesskey"] if response.status == 200 else None


async def test_a_login_racing_a_password_change_keeps_no_session(start_system, http, make_user, redis_client):
    # Real argon2 cost (not the cheap test setting), so the check-then-open window is as wide as in production.
    system = await start_system(("session",), LOGIN_MAX_FAILURES="1000", LOGIN_MAX_FAILURES_PER_ADDRESS="1000")
    await make_user(system)
    async with http.post(system.urls["session"] + "/api/1/auth/session", json={"email": "ada@example.com", "password": PASSWORD}) as response:
        owner_login = await response.json()

    async def change_password():
        await asyncio.sleep(0.05)
        async with http.put(
            system.urls["session"] + "/api/1/users/me/password",
            json={"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD},
            headers=identity(system, session_principal(owner_login)),
        ) as response:
            assert response.status == 200, await response.text()

    async def keep_logging_in():
        keys = []
        for _ in range(ATTEMPTS):
            keys.append(await _login(http, system, PASSWORD))
        return keys

    results = await asyncio.gather(change_password(), *(keep_logging_in() for _ in range(4)))
    store = SessionStore(redis_client, idle_timeout=1200, absolute_lifetime=43200)
    survivors = [key for keys in results[1:] for key in keys if key and await store.get(session_handle(key)) is not None]
    assert survivors == []
    assert await store.get(session_handle(owner_login["data"]["sesskey"])) is not None
