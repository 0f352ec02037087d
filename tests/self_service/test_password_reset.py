"""Forgotten password through the gateway, with the mail read from the real SMTP catcher."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from session import password_reset
from session.context import build_context
from session.settings import Settings as SessionSettings
from latchkey import storage
from latchkey.security_events import Client
from tests.self_service.conftest import NEW_PASSWORD, PASSWORD, basic, bearer, create_user, login

RESET = "/api/1/auth/password-reset"
CONFIRM = RESET + "/confirm"


async def _post(http, url: str, body: dict, **headers: str) -> tuple[int, dict]:
    async with http.post(url, json=body, headers=headers) as response:
        return response.status, await response.json()


async def _status(http, url: str, headers: dict[str, str]) -> int:
    async with http.get(url, headers=headers) as response:
        return response.status


async def test_reset_link_arrives_works_once_and_ends_every_session_and_cached_basic(mail_system, mailbox, api, db):
    g = mail_system.gateway
    await create_user(mail_system)
    sesskey = await login(api, mail_system)
    assert await _status(api, g + "/api/1/users/me", basic("ada@example.com", PASSWORD)) == 200  # now cached

    status, body = await _post(api, g + RESET, {"email": "ada@example.com"})
    assert (status, body) == (202, {"success": True, "data": {}})
    mail = await mailbox.wait_for("ada@example.com", subject="reset your password")
    assert mail.link.startswith(g + "/reset-password?token=")
    assert "Latchkey" in mail.subject and g in mail.text and mail.link in mail.html.replace("&amp;", "&")

    assert (await _post(api, g + CONFIRM, {"token": mail.token, "newPassword": NEW_PASSWORD}))[0] == 200
    again = await _post(api, g + CONFIRM, {"token": mail.token, "newPassword": "yet another passphrase"})
    assert again[0] == 400 and again[1]["error"]["code"] == "invalid_reset_token"

    assert await _status(api, g + "/api/1/users/me", bearer(sesskey)) == 401  # the session ended
    assert await _status(api, g + "/api/1/users/me", basic("ada@example.com", PASSWORD)) == 401  # cached Basic too
    assert await _status(api, g + "/api/1/users/me", basic("ada@example.com", NEW_PASSWORD)) == 200
    await login(api, mail_system, password=NEW_PASSWORD)

    # The token is stored only as a hash, and appears in no security event.
    rows = await db.fetch("SELECT * FROM session.security_events")
    assert mail.token not in repr([dict(r) for r in rows])
    assert [r["event"] for r in rows if r["event"].startswith("password.")] == ["password.reset_requested", "password.reset"]


async def test_unknown_email_gets_the_same_answer_and_no_mail(mail_system, mailbox, api):
    g = mail_system.gateway
    await create_user(mail_system)
    known = await _post(api, g + RESET, {"email": "ada@example.com"})
    unknown = await _post(api, g + RESET, {"email": "nobody@example.com"})
    assert known == unknown == (202, {"success": True, "data": {}})
    await mailbox.wait_for("ada@example.com")
    await asyncio.sleep(0.3)
    assert mailbox.to("nobody@example.com") == []


async def test_a_used_expired_or_orphaned_token_is_refused(mail_system, mailbox, api, db, database_url):
    g = mail_system.gateway
    user = await create_user(mail_system)
    await _post(api, g + RESET, {"email": "ada@example.com"})
    first = await mailbox.wait_for("ada@example.com", subject="reset")
    await _post(api, g + RESET, {"email": "ada@example.com"})
    second = await mailbox.wait_for("ada@example.com", subject="reset", count=2)

    # Expired: the same service code with a clock 31 minutes ahead (PASSWORD_RESET_TTL is 30 minutes).
    settings = SessionSettings.from_env(mail_system.env)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    client = storage.open_redis(settings.common.redis_url)
    try:
        later = build_context(settings, pool, client, clock=lambda: time.time() + 31 * 60)
        with pytest.raises(password_reset.InvalidResetToken):
            await password_reset.confirm_reset(later, first.token, NEW_PASSWORD, Client())
        later.passwords.close()
    finally:
        await client.aclose()
        await pool.close()

    # The user is deleted: the still-fresh second token no longer names anyone.
    await db.execute("DELETE FROM session.users WHERE userid = $1", user["userid"])
    status, body = await _post(api, g + CONFIRM, {"token": second.token, "newPassword": NEW_PASSWORD})
    assert status == 400 and body["error"]["code"] == "invalid_reset_token"
    status, body = await _post(api, g + CONFIRM, {"token": "made-up", "newPassword": NEW_PASSWORD})
    assert status == 400 and body["error"]["code"] == "invalid_reset_token"


async def test_a_token_is_single_use_under_concurrency(mail_system, mailbox, api):
    g = mail_system.gateway
    await create_user(mail_system)
    await _post(api, g + RESET, {"email": "ada@example.com"})
    mail = await mailbox.wait_for("ada@example.com", subject="reset")
    answers = await asyncio.gather(
        *(_post(api, g + CONFIRM, {"token": mail.token, "newPassword": f"{NEW_PASSWORD} {n}"}) for n in range(8))
    )
    assert sorted(status for status, _ in answers) == [200] + [400] * 7


async def test_requests_are_rate_limited_per_email_and_per_address(start_system, mailbox, api):
    system = await start_system(SMTP_URL=mailbox.smtp_url, MAIL_MAX_PER_EMAIL="2", MAIL_MAX_PER_ADDRESS="3")
    g = system.gateway
    statuses = [(await _post(api, g + RESET, {"email": "x@example.com"}))[0] for _ in range(3)]
    assert statuses == [202, 202, 429]
    assert (await _post(api, g + RESET, {"email": "y@example.com"}))[0] == 202  # third from this address
    status, body = await _post(api, g + RESET, {"email": "z@example.com"})
    assert status == 429 and body["error"]["code"] == "rate_limited"


async def test_a_frozen_smtp_server_does_not_slow_the_request(start_system, api):
    """The SMTP server accepts connections and never says a word: the request still answers at once."""
    frozen = await asyncio.start_server(lambda reader, writer: asyncio.sleep(3600), "127.0.0.1", 0)
    port = frozen.sockets[0].getsockname()[1]
    system = await start_system(SMTP_URL=f"smtp://127.0.0.1:{port}", SMTP_TIMEOUT="5", **{"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024"})
    await create_user(system)
    try:
        timings = []
        for _ in range(10):
            started = time.perf_counter()
            status, _body = await _post(api, system.gateway + RESET, {"email": "ada@example.com"})
            timings.append(time.perf_counter() - started)
            assert status in (202, 429)
        # Far below the 5 s SMTP timeout: the mail waits in the outbox, the request does not.
        assert max(timings) < 1.0, timings
    finally:
        frozen.close()
