"""No secret (password, sesskey, API key) is ever written to a log line."""

from __future__ import annotations

import logging

from latchkey.tokens import Principal
from tests.session.conftest import PASSWORD, identity, login, service_auth, session_principal


async def test_no_password_sesskey_or_api_key_reaches_the_logs(session_system, http, make_user, caplog):
    caplog.set_level(logging.DEBUG)
    await make_user(session_system)
    url = session_system.urls["session"]
    body = await login(http, session_system)
    principal = session_principal(body)
    headers = identity(session_system, principal)
    async with http.get(url + "/api/1/users/me/apikey", headers=headers) as response:
        assert response.status == 200
        old_key = (await response.json())["data"]["apikey"]
    async with http.post(url + "/api/1/users/me/apikey", headers=headers) as response:
        assert response.status == 200
        new_key = (await response.json())["data"]["apikey"]
    gateway = service_auth(session_system, "gateway")
    async with http.post(url + "/internal/auth/api-key", json={"apikey": new_key}, headers=gateway) as response:
        assert response.status == 200
    async with http.post(url + "/internal/auth/password", json={"email": "ada@example.com", "password": PASSWORD}, headers=gateway) as response:
        assert response.status == 200
    async with http.post(url + "/api/1/auth/session", json={"email": "ada@example.com", "password": "a wrong guess"}) as response:
        assert response.status == 401
    change = {"currentPassword": PASSWORD, "newPassword": "the next password"}
    async with http.put(url + "/api/1/users/me/password", json=change, headers=headers) as response:
        assert response.status == 200
    async with http.get(url + "/api/1/users/me", headers=identity(session_system, Principal(sub="1", amr=("api_key",)))) as response:
        assert response.status in (200, 404)  # whichever user 1 is, a clear answer and no 500

    secrets = [PASSWORD, "a wrong guess", "the next password", body["data"]["sesskey"], old_key, new_key]
    assert caplog.records, "the flow above logs"
    for record in caplog.records:
        line = record.getMessage() + repr(getattr(record, "fields", "")) + repr(record.args)
        for secret in secrets:
            assert secret not in line, f"secret in log line from {record.name}"
    for secret in secrets:
        assert secret not in caplog.text
