"""session.operator, as the `latchkey` CLI uses it: its own connections, real data."""

from __future__ import annotations

import pytest

from latchkey.errors import Conflict, NotFound, SessionExpired, ValidationFailed
from session import operator
from session.settings import Settings
from tests.session.conftest import PASSWORD, login


async def login_status(http, system, password: str) -> int:
    async with http.post(system.urls["session"] + "/api/1/auth/session", json={"email": "ada@example.com", "password": password}) as response:
        return response.status


async def test_create_user_answers_the_internal_user_and_the_user_can_log_in(session_system, http):
    user = await operator.create_user(Settings.from_env(session_system.env), email="ada@example.com", password=PASSWORD, org_id=3, role="ADMIN", name="Ada")
    assert user["userid"] == 1 and user["partnerid"] == 3 and user["role"] == "ADMIN" and user["hasPassword"] is True
    assert user["disabled"] is False and user["userName"] is None
    body = await login(http, session_system)
    assert body["data"]["partnerid"] == 3


async def test_create_user_refuses_a_taken_email_in_any_case_and_a_short_password(session_system):
    settings = Settings.from_env(session_system.env)
    await operator.create_user(settings, email="ada@example.com", password=PASSWORD, org_id=None)
    with pytest.raises(Conflict) as taken:
        await operator.create_user(settings, email="Ada@Example.COM", password=PASSWORD, org_id=None)
    assert taken.value.code == "email_taken"
    with pytest.raises(ValidationFailed):
        await operator.create_user(settings, email="bob@example.com", password="short", org_id=None)


async def test_a_user_without_organization_logs_in_with_partnerid_zero(session_system, http):
    await operator.create_user(Settings.from_env(session_system.env), email="ada@example.com", password=PASSWORD, org_id=None)
    assert (await login(http, session_system))["data"]["partnerid"] == 0


async def test_set_password_replaces_the_password_and_ends_every_session(session_system, http, make_user):
    from session.keys import CONTEXT

    await make_user(session_system)
    sesskey = (await login(http, session_system))["data"]["sesskey"]
    await operator.set_password(Settings.from_env(session_system.env), email="ada@example.com", password="operator chosen")
    with pytest.raises(SessionExpired):
        await session_system.apps["session"][CONTEXT].sessions.touch(sesskey)
    assert await login_status(http, session_system, PASSWORD) == 401
    assert await login_status(http, session_system, "operator chosen") == 200


async def test_disabling_ends_sessions_and_login_until_enabled_again(session_system, http, make_user):
    from session.keys import CONTEXT

    settings = Settings.from_env(session_system.env)
    await make_user(session_system)
    sesskey = (await login(http, session_system))["data"]["sesskey"]
    await operator.set_disabled(settings, email="ada@example.com", disabled=True)
    with pytest.raises(SessionExpired):
        await session_system.apps["session"][CONTEXT].sessions.touch(sesskey)
    assert await login_status(http, session_system, PASSWORD) == 401
    await operator.set_disabled(settings, email="ada@example.com", disabled=False)
    assert await login_status(http, session_system, PASSWORD) == 200


async def test_operator_commands_on_an_unknown_email_say_so(session_system):
    settings = Settings.from_env(session_system.env)
    with pytest.raises(NotFound):
        await operator.set_password(settings, email="ghost@example.com", password=PASSWORD)
    with pytest.raises(NotFound):
        await operator.set_disabled(settings, email="ghost@example.com", disabled=True)
