"""What every answer says about itself: no framework version, no caching of secrets, HSTS over https."""

from __future__ import annotations

from tests.session.conftest import CHEAP_ARGON2, PASSWORD, make_user  # noqa: F401 (a fixture)


async def test_answers_name_no_framework_version_and_api_answers_are_not_stored(start_system, http, make_user):
    system = await start_system(("session", "gateway"), **CHEAP_ARGON2)
    await make_user(system)
    async with http.post(system.gateway + "/api/1/auth/session", json={"email": "ada@example.com", "password": PASSWORD}) as response:
        assert response.status == 200
        sesskey = (await response.json())["data"]["sesskey"]
        assert response.headers["Cache-Control"] == "no-store"  # the answer carries a session key
        assert response.headers["Server"] == "latchkey"
        assert "Strict-Transport-Security" not in response.headers  # PUBLIC_URL is http here
    async with http.get(system.gateway + "/api/1/users/me/apikey", headers={"Authorization": "Bearer " + sesskey}) as response:
        assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    for url in (system.gateway + "/login", system.gateway + "/healthz", system.urls["session"] + "/healthz"):
        async with http.get(url) as response:
            assert "aiohttp" not in response.headers.get("Server", "") and "Python" not in response.headers.get("Server", "")


async def test_hsts_when_the_public_url_is_https(start_system, http):
    system = await start_system(("gateway",), PUBLIC_URL="https://auth.example.com")
    async with http.get(system.gateway + "/healthz") as response:
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
