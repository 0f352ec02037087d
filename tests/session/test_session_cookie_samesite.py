"""SESSION_COOKIE_SAMESITE: Lax by default, None only where the cookie can be Secure."""

from __future__ import annotations

import pytest

from latchkey.settings import CommonSettings, Env, SettingsError
from tests.session.conftest import CHEAP_ARGON2, PASSWORD, identity, session_principal


def common(base_env, **overrides: str) -> CommonSettings:
    return CommonSettings.from_env(Env({**base_env, **overrides}), service="session", default_port=8081)


async def test_samesite_none_on_a_localhost_public_url_sets_a_secure_none_cookie(start_system, http, make_user):
    system = await start_system(("session",), SESSION_COOKIE_SAMESITE="none", **CHEAP_ARGON2)  # PUBLIC_URL is 127.0.0.1
    await make_user(system)
    login = system.urls["session"] + "/api/1/auth/session"
    async with http.post(login, json={"email": "ada@example.com", "password": PASSWORD}) as response:
        cookie = response.cookies["sesskey"]
        assert (cookie["samesite"], cookie["secure"], cookie["httponly"]) == ("None", True, True)
        principal = session_principal(await response.json())
    # Clearing must match the attributes, or a browser keeps the cross-site cookie.
    async with http.delete(login, headers=identity(system, principal)) as response:
        assert response.status == 200
        cleared = response.cookies["sesskey"]
        assert (cleared.value, cleared["samesite"], cleared["secure"]) == ("", "None", True)


@pytest.mark.parametrize(
    ("public_url", "value", "expected"),
    [
        ("http://127.0.0.1:8080", None, ("Lax", False)),
        ("http://127.0.0.1:8080", "Strict", ("Strict", False)),
        ("https://auth.example.com", "None", ("None", True)),
        ("http://localhost:8080", "None", ("None", True)),
        ("http://[::1]:8080", "None", ("None", True)),
    ],
)
def test_samesite_and_secure_follow_the_setting_and_the_public_url(base_env, public_url, value, expected):
    overrides = {"PUBLIC_URL": public_url, **({"SESSION_COOKIE_SAMESITE": value} if value else {})}
    settings = common(base_env, **overrides)
    assert (settings.session_cookie_samesite, settings.session_cookie_secure) == expected


@pytest.mark.parametrize(
    ("public_url", "value", "problem"),
    [
        ("http://auth.example.com", "None", "None needs a Secure cookie"),
        ("http://127.0.0.1:8080", "none-please", "must be Lax, Strict or None"),
    ],
)
def test_samesite_none_without_a_secure_cookie_is_refused_at_start(base_env, public_url, value, problem):
    with pytest.raises(SettingsError) as raised:
        common(base_env, PUBLIC_URL=public_url, SESSION_COOKIE_SAMESITE=value)
    assert raised.value.variable == "SESSION_COOKIE_SAMESITE" and problem in str(raised.value)
