"""The security logs: every event once per action, with its fields, and never a secret in any row."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.pages.organizations import create_organization
from tests.self_service.conftest import NEW_PASSWORD, PASSWORD, basic, bearer, create_user, login

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


async def _call(api, method: str, url: str, **kwargs) -> tuple[int, dict]:
    async with api.request(method, url, **kwargs) as response:
        return response.status, (await response.json() if response.content_type.endswith("json") else {})


async def _all_events(api, url: str, headers: dict[str, str], page: int = 3) -> list[dict]:
    """Every event, following the cursor `page` at a time (newest first)."""
    events, cursor = [], None
    while True:
        params = {"limit": str(page), **({"cursor": cursor} if cursor else {})}
        status, body = await _call(api, "GET", url, headers=headers, params=params)
        assert status == 200, body
        data = body.get("data", body)
        events += data["events"]
        cursor = data["nextCursor"]
        if cursor is None:
            return events


async def test_each_account_action_is_logged_once_with_who_where_and_how(mail_system, mailbox, api, db):
    g = mail_system.gateway
    await create_user(mail_system)
    verification = await mailbox.wait_for("ada@example.com", subject="confirm")
    ua = {"User-Agent": UA}
    await _call(api, "POST", g + "/api/1/auth/session", json={"email": "ada@example.com", "password": "wrong guess!"}, headers=ua)
    key = await login(api, mail_system, **ua)
    other = await login(api, mail_system, **ua)
    me = {**bearer(key), **ua}
    _, listed = await _call(api, "GET", g + "/api/1/auth/sessions", headers=me)
    other_id = next(s["id"] for s in listed["data"]["sessions"] if not s["current"])
    assert (await _call(api, "DELETE", g + f"/api/1/auth/sessions/{other_id}", headers=me))[0] == 200
    _, regenerated = await _call(api, "POST", g + "/api/1/users/me/apikey", headers=me)
    await _call(api, "POST", g + "/api/1/auth/email-verification/confirm", json={"token": verification.token}, headers=ua)
    status, _ = await _call(api, "PUT", g + "/api/1/users/me/password", headers=me,
                            json={"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD})
    assert status == 200
    await _call(api, "POST", g + "/api/1/auth/password-reset", json={"email": "ada@example.com"}, headers=ua)
    reset = await mailbox.wait_for("ada@example.com", subject="reset")
    await _call(api, "POST", g + "/api/1/auth/password-reset/confirm", json={"token": reset.token, "newPassword": PASSWORD}, headers=ua)
    key = await login(api, mail_system, **ua)
    assert (await _call(api, "DELETE", g + "/api/1/auth/session", headers={**bearer(key), **ua}))[0] == 200
    key = await login(api, mail_system, **ua)
    assert (await _call(api, "DELETE", g + "/api/1/auth/sessions", headers={**bearer(key), **ua}))[0] == 200

    events = list(reversed(await _all_events(api, g + "/api/1/users/me/events", basic("ada@example.com", PASSWORD))))
    assert [e["event"] for e in events] == [
        "email.verification_sent",
        "login.failed",
        "login.succeeded",
        "login.succeeded",
        "session.revoked",
        "api_key.regenerated",
        "email.verified",
        "password.changed",
        "password.reset_requested",
        "password.reset",
        "login.succeeded",
        "logout",
        "login.succeeded",
        "logout.everywhere",
    ]
    by_request = [e for e in events if e["event"] != "email.verification_sent"]  # sent by the operator's CLI
    assert all(e["ip"] == "127.0.0.1" and e["userAgent"] == "Firefox on Linux" and e["requestId"] for e in by_request)
    methods = {e["event"]: e["method"] for e in events}
    assert methods["login.succeeded"] == "pwd" and methods["password.changed"] == "pwd"
    assert methods["password.reset"] == "email_link" and methods["login.failed"] == "pwd"
    assert next(e for e in events if e["event"] == "session.revoked")["subject"] == other_id

    # No secret in any row: not the passwords, keys, tokens or links used above.
    rows = repr([dict(r) for r in await db.fetch("SELECT * FROM session.security_events")])
    for secret in (PASSWORD, NEW_PASSWORD, key, other, regenerated["data"]["apikey"], verification.token, reset.token, "wrong guess!"):
        assert secret not in rows


async def test_a_refused_basic_password_is_logged_with_where_it_came_from(mail_system, api):
    g = mail_system.gateway
    await create_user(mail_system)
    status, _ = await _call(api, "GET", g + "/api/1/users/me", headers={**basic("ada@example.com", "wrong guess!"), "User-Agent": UA})
    assert status == 401
    events = await _all_events(api, g + "/api/1/users/me/events", basic("ada@example.com", PASSWORD))
    failed = next(e for e in events if e["event"] == "login.failed")
    assert (failed["method"], failed["ip"], failed["userAgent"]) == ("basic", "127.0.0.1", "Firefox on Linux")


async def test_organization_activity_is_logged_for_its_admins_only(mail_system, api, db):
    g = mail_system.gateway
    org = await create_organization(mail_system, "acme", None)
    await create_user(mail_system, "admin@acme.example", org_id=org["id"], role="ADMIN")
    await create_user(mail_system, "user@acme.example", org_id=org["id"], role="USER")
    org_key = {"x-org-id": "acme", "x-api-key": org["apiKey"], "User-Agent": UA}
    user = "/api/organization/acme/user/alice"
    assert (await _call(api, "POST", g + user + "/update", headers=org_key, json={"email": "alice@acme.example"}))[0] == 201
    assert (await _call(api, "POST", g + user + "/update", headers=org_key, json={"name": "Alice"}))[0] == 200
    _, issued = await _call(api, "POST", g + user + "/generate-token", headers=org_key)
    status, exchanged = await _call(api, "POST", g + "/api/auth/refresh-token", json={"refreshToken": issued["refreshToken"]}, headers={"User-Agent": UA})
    assert status == 200
    # Alice's handoff session shows where it came from in her own sessions list.
    status, sessions = await _call(api, "GET", g + "/api/1/auth/sessions", headers=bearer(exchanged["sessionToken"]))
    (handoff,) = sessions["data"]["sessions"]
    assert (handoff["ip"], handoff["userAgent"], handoff["methods"]) == ("127.0.0.1", "Firefox on Linux", ["org_sso"])
    admin = {**bearer(await login(api, mail_system, "admin@acme.example")), "User-Agent": UA}
    assert (await _call(api, "PATCH", g + "/api/organization/acme/settings", headers=admin, json={"name": "Acme Two"}))[0] == 200
    _, rotated = await _call(api, "POST", g + "/api/organization/acme/integrations/api-key", headers=admin)
    org_key["x-api-key"] = rotated["apiKey"]
    assert (await _call(api, "DELETE", g + user, headers=org_key))[0] == 204

    events = list(reversed(await _all_events(api, g + "/api/organization/acme/events", admin)))
    assert [(e["event"], e["actor"], e["subject"]) for e in events] == [
        ("user.provisioned", "org_key", "alice"),
        ("user.provisioned", "org_key", "alice"),
        ("refresh_token.issued", "org_key", "alice"),
        ("handoff.completed", None, "alice"),
        ("settings.changed", f"user:{events[4]['actor'].split(':')[1]}", None),
        ("api_key.rotated", events[4]["actor"], None),
        ("user.deprovisioned", "org_key", "alice"),
    ]
    assert [e["detail"].get("created") for e in events[:2]] == [True, False]
    assert events[4]["detail"] == {"fields": ["name"]} and events[3]["method"] == "org_sso"
    assert all(e["ip"] == "127.0.0.1" and e["userAgent"] == "Firefox on Linux" for e in events)

    # Not for a plain user of the organization, nor by organization key.
    plain = bearer(await login(api, mail_system, "user@acme.example"))
    assert (await _call(api, "GET", g + "/api/organization/acme/events", headers=plain))[0] == 403
    assert (await _call(api, "GET", g + "/api/organization/acme/events", headers=org_key))[0] in (401, 403)

    rows = repr([dict(r) for r in await db.fetch("SELECT * FROM org.security_events")])
    for secret in (org["apiKey"], rotated["apiKey"], issued["refreshToken"], exchanged["sessionToken"]):
        assert secret not in rows


async def test_old_events_are_removed_by_the_retention_job(start_system, db):
    await db.execute("INSERT INTO session.security_events (event, user_id, occurred_at) VALUES ('logout', 1, now() - interval '91 days')")
    await db.execute("INSERT INTO session.security_events (event, user_id) VALUES ('logout', 1)")
    await db.execute("INSERT INTO org.security_events (event, org_id, occurred_at) VALUES ('api_key.rotated', 1, now() - interval '91 days')")
    await start_system(("session", "org-provisioning"))  # the job runs at start, then hourly
    for _ in range(100):
        old = await db.fetchval(
            "SELECT (SELECT count(*) FROM session.security_events) + (SELECT count(*) FROM org.security_events)"
        )
        if old == 1:
            break
        await asyncio.sleep(0.05)
    assert await db.fetchval("SELECT count(*) FROM session.security_events") == 1
    assert await db.fetchval("SELECT count(*) FROM org.security_events") == 0


async def test_events_cannot_be_edited(db):
    await db.execute("INSERT INTO session.security_events (event, user_id) VALUES ('logout', 1)")
    with pytest.raises(asyncpg.RaiseError):
        await db.execute("UPDATE session.security_events SET event = 'nothing'")
