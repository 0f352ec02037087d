"""The session service's /metrics say how many argon2id hashes it ran and the CPU they took (what a login costs around them)."""

from __future__ import annotations

from tests.session.conftest import CHEAP_ARGON2, PASSWORD


async def _hash_figures(http, system) -> tuple[float, float]:
    async with http.get(system.urls["session"] + "/metrics") as response:
        text = await response.text()
    values = {line.split()[0]: float(line.split()[1]) for line in text.splitlines() if line.startswith("latchkey_password_hash")}
    return values["latchkey_password_hashes_total"], values["latchkey_password_hash_cpu_seconds_total"]


async def test_each_password_check_is_counted_with_its_cpu_time(start_system, make_user, http):
    system = await start_system(("session",), **CHEAP_ARGON2)
    await make_user(system)
    hashes, cpu = await _hash_figures(http, system)
    for password in (PASSWORD, "not the password"):
        async with http.post(system.urls["session"] + "/api/1/auth/session", json={"email": "ada@example.com", "password": password}):
            pass
    after_hashes, after_cpu = await _hash_figures(http, system)
    assert after_hashes == hashes + 2  # a wrong password costs a hash too
    assert after_cpu > cpu
