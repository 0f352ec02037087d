"""TRUSTED_PROXIES: the address services see, log and rate-limit on is the real client's."""

from __future__ import annotations

import pytest

from latchkey.client_address import parse_networks, resolve
from tests.session.conftest import CHEAP_ARGON2, PASSWORD, make_user  # noqa: F401 (a fixture)

PROXIES = parse_networks("10.0.0.0/8, 192.168.1.7, fd00::/8")


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),  # not a proxy of ours: whatever it claims
        ("10.1.2.3", ["198.51.100.1"], "198.51.100.1"),
        ("10.1.2.3", ["6.6.6.6, 198.51.100.1, 192.168.1.7"], "198.51.100.1"),  # the client wrote 6.6.6.6
        ("10.1.2.3", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # two header lines are one list
        ("10.1.2.3", [], "10.1.2.3"),
        ("10.1.2.3", ["not an address"], "10.1.2.3"),
        ("10.1.2.3", ["198.51.100.1, junk"], "10.1.2.3"),
        ("fd00::1", ["2001:db8::7"], "2001:db8::7"),
        ("::ffff:10.0.0.1", ["198.51.100.1"], "198.51.100.1"),  # IPv4 peer on a dual-stack socket
    ],
)
def test_the_client_is_the_rightmost_address_no_trusted_proxy_wrote(peer, forwarded_for, client):
    assert resolve(peer, forwarded_for, PROXIES) == client


def test_without_trusted_proxies_the_peer_is_the_client():
    assert resolve("10.1.2.3", ["198.51.100.1"], ()) == "10.1.2.3"


async def test_services_receive_and_the_access_log_names_the_resolved_client_address(gateway_to, echo, http, log_lines):
    system = await gateway_to(TRUSTED_PROXIES="127.0.0.1/32")
    headers = {"X-Forwarded-For": "6.6.6.6, 203.0.113.5", "X-Real-IP": "6.6.6.6"}
    async with http.get(system.gateway + "/api/v1/sso/providers", headers=headers) as response:
        await response.read()
    assert echo.seen[-1]["headers"]["x-real-ip"] == "203.0.113.5"
    access = [line for line in log_lines() if line.get("logger") == "latchkey.access"]
    assert access[-1]["client"] == "203.0.113.5"


async def test_a_bad_trusted_proxies_value_stops_the_gateway_with_one_line(base_env):
    from gateway.settings import Settings
    from latchkey.settings import SettingsError

    with pytest.raises(SettingsError, match="TRUSTED_PROXIES: 'ten.0.0.0/8'"):
        Settings.from_env({**base_env, "TRUSTED_PROXIES": "ten.0.0.0/8"})


async def test_behind_a_trusted_proxy_one_guessing_client_does_not_lock_out_the_others(start_system, http, make_user):
    # Every request arrives from the load balancer (127.0.0.1 here); only X-Forwarded-For tells clients apart.
    system = await start_system(
        ("session", "gateway"), TRUSTED_PROXIES="127.0.0.0/8", LOGIN_MAX_FAILURES_PER_ADDRESS="3", **CHEAP_ARGON2
    )
    await make_user(system)
    url = system.gateway + "/api/1/auth/session"
    for i in range(5):
        body = {"email": f"guess{i}@example.com", "password": "x" * 8}
        async with http.post(url, json=body, headers={"X-Forwarded-For": "203.0.113.9"}) as response:
            assert response.status in (401, 429)
    body = {"email": "ada@example.com", "password": PASSWORD}
    async with http.post(url, json=body, headers={"X-Forwarded-For": "198.51.100.7"}) as response:
        assert response.status == 200, await response.text()
    async with http.post(url, json=body, headers={"X-Forwarded-For": "203.0.113.9"}) as response:
        assert response.status == 429  # the guessing client itself stays locked
