"""The example partner platform keeps its side of the handoff safe (plain HTTP, no browser needed)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest

from latchkey_cli.embedded import free_port
from tests.pages.organizations import create_organization


@dataclass
class Partner:
    url: str
    org: dict


@pytest.fixture
async def partner(system, partner_site) -> Partner:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    org = await create_organization(system, "partner-community", url + "/login")
    await partner_site(system.gateway, port, org)
    return Partner(url, org)


async def post_login(http, partner: Partner, return_to: str, password: str = "analytical-engine", origin: str | None = None):
    headers = {"Origin": origin or partner.url}
    form = {"username": "ada", "password": password, "return_to": return_to}
    return await http.post(partner.url + "/login", data=form, headers=headers, allow_redirects=False)


async def test_partner_sends_the_browser_back_to_latchkey_with_a_refresh_token(system, http, partner):
    response = await post_login(http, partner, system.gateway + "/account?tab=keys")
    assert response.status == 303
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == system.gateway + "/account"
    assert parse_qs(location.query)["tab"] == ["keys"] and parse_qs(location.query)["refresh-token"]


@pytest.mark.parametrize(
    "return_to",
    ["https://evil.example/account", "//evil.example", "", "javascript:alert(1)", "{latchkey}@evil.example/account", "{latchkey}\\@evil.example"],
)
async def test_partner_never_sends_the_token_anywhere_but_latchkey(system, http, partner, return_to):
    response = await post_login(http, partner, return_to.replace("{latchkey}", system.gateway))
    assert response.status == 303
    assert response.headers["Location"].startswith(system.gateway + "/?refresh-token=")  # the loginUrl instead


async def test_partner_refuses_a_wrong_password_without_provisioning_anyone(system, http, partner):
    response = await post_login(http, partner, system.gateway + "/account", password="guess")
    assert response.status == 401 and "Location" not in response.headers
    assert "Wrong user name or password." in await response.text()
    org = partner.org
    headers = {"x-org-id": org["orgId"], "x-api-key": org["apiKey"]}
    async with http.get(system.gateway + "/api/organization/partner-community/users", headers=headers) as listing:
        assert listing.status == 200
        assert (await listing.json())["users"] == []


async def test_partner_refuses_a_login_posted_from_another_site(system, http, partner):
    response = await post_login(http, partner, system.gateway + "/account", origin="https://evil.example")
    assert response.status == 403
