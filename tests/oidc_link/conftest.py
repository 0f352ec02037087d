"""The oidc-link service against a real OpenID Provider in its own process.

The provider (tests/oidc_provider) runs once per test run with two tenants,
`acme` and `globex`, each an issuer with its own client and keys; every test
resets their knobs and counters. The service runs with PUBLIC_URL
https://latchkey.test: the provider redirects the "browser" there, and the
test delivers that callback to the service directly (the gateway would route
it), so the redirect URI is the real one and the cookie is Secure.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest

from latchkey.tokens import IDENTITY_HEADER, Principal, TokenSigner
from tests.harness import System

PUBLIC_URL = "https://latchkey.test"
REDIRECT_URI = PUBLIC_URL + "/api/v1/sso/callback"
TENANTS = {
    "acme": {"client_id": "latchkey-acme", "client_secret": "acme-secret-0123456789", "redirect_uri": REDIRECT_URI},
    "globex": {"client_id": "latchkey-globex", "client_secret": "globex-secret-0123456789", "redirect_uri": REDIRECT_URI},
}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def provider_base() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider", "--tenants", json.dumps(TENANTS)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base = process.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:"), f"test provider did not start: {base!r}"
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Provider:
    """The test OP as the tests drive it: issuers, knobs and counters."""

    base: str
    http: aiohttp.ClientSession

    def issuer(self, tenant: str) -> str:
        return f"{self.base}/{tenant}"

    async def control(self, tenant: str, **knobs) -> None:
        async with self.http.post(self.issuer(tenant) + "/control", json=knobs) as response:
            assert response.status == 200

    async def counters(self, tenant: str) -> dict[str, int]:
        async with self.http.get(self.issuer(tenant) + "/control") as response:
            return await response.json()


@pytest.fixture
async def provider(provider_base: str, http: aiohttp.ClientSession) -> Provider:
    op = Provider(provider_base, http)
    for tenant in TENANTS:
        await op.control(tenant, reset=True)
    return op


def providers_toml(provider: Provider) -> str:
    entries = []
    for tenant, client in TENANTS.items():
        entries.append(
            "[[providers]]\n"
            f'id = "{tenant}"\nname = "{tenant.title()}"\nicon = "https://icons.example/{tenant}.svg"\n'
            f'issuer = "{provider.issuer(tenant)}"\nclient_id = "{client["client_id"]}"\n'
            f'client_secret_env = "OIDC_{tenant.upper()}_SECRET"\n'
        )
    return "\n".join(entries)


@pytest.fixture
def sso_env(provider: Provider, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "providers.toml"
    path.write_text(providers_toml(provider))
    return {
        "PUBLIC_URL": PUBLIC_URL,
        "OIDC_PROVIDERS_FILE": str(path),
        **{f"OIDC_{tenant.upper()}_SECRET": client["client_secret"] for tenant, client in TENANTS.items()},
    }


@pytest.fixture
async def sso(start_system, sso_env) -> System:
    """session + oidc-link, configured with the two test issuers."""
    return await start_system(("session", "oidc-link"), **sso_env)


def identity(system: System, user_id: int | str, *, perms=frozenset({"oauth"}), amr=("pwd",)) -> dict[str, str]:
    """The header the gateway would forward for this principal."""
    seed = base64.urlsafe_b64decode(system.env["GATEWAY_SIGNING_KEY"] + "==")
    principal = Principal(sub=str(user_id), perms=frozenset(perms), amr=tuple(amr))
    return {IDENTITY_HEADER: TokenSigner("gateway", seed).identity_token("oidc-link", principal)}


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


class Browser:
    """Follows the redirects a browser would, delivering PUBLIC_URL callbacks to the service.

    It keeps the flow-binding cookie itself: the cookie is Secure (PUBLIC_URL
    is https), which aiohttp's jar would not send to the service over http.
    """

    def __init__(self, system: System, http: aiohttp.ClientSession) -> None:
        self.system = system
        self.http = http
        self.service = system.urls["oidc-link"]
        self.flow_cookie: str | None = None

    def _keep_flow_cookie(self, response: aiohttp.ClientResponse) -> None:
        cookie = response.cookies["sso_flow"]
        assert cookie["httponly"] and cookie["secure"] and cookie["path"] == "/api/v1/sso/callback"
        self.flow_cookie = cookie.value

    async def start_link(self, user_id: int, issuer: str = "acme") -> str:
        headers = identity(self.system, user_id)
        async with self.http.post(self.service + "/api/v1/sso", json={"issuer": issuer}, headers=headers) as response:
            assert response.status == 200, await response.text()
            self._keep_flow_cookie(response)
            return (await response.json())["link"]

    async def start_login(self, issuer: str = "acme", return_to: str | None = None) -> str:
        params = {"return_to": return_to} if return_to else {}
        async with self.http.get(f"{self.service}/api/v1/sso/{issuer}/login", params=params, allow_redirects=False) as response:
            assert response.status == 302, await response.text()
            self._keep_flow_cookie(response)
            return response.headers["Location"]

    async def authorize(self, link: str, *, login_as: str = "alice", email: str = "alice@example.com", **extra: str) -> str:
        """Visit the provider; returns the callback URL on the service it redirected to."""
        url = link + "&" + urlencode({"login_as": login_as, "email": email, **extra})
        async with self.http.get(url, allow_redirects=False) as response:
            assert response.status == 302, await response.text()
            location = response.headers["Location"]
        assert location.startswith(REDIRECT_URI + "?"), location
        return self.service + location.removeprefix(PUBLIC_URL)

    async def callback(self, url: str, *, with_flow_cookie: bool = True) -> aiohttp.ClientResponse:
        headers = {"Cookie": f"sso_flow={self.flow_cookie}"} if with_flow_cookie and self.flow_cookie else {}
        async with self.http.get(url, allow_redirects=False, headers=headers) as response:
            assert response.status == 303, await response.text()
            await response.read()
            return response

    async def link(self, user_id: int, issuer: str = "acme", *, login_as: str = "alice", email: str = "alice@example.com") -> str:
        """The whole link flow; returns where the browser lands."""
        callback_url = await self.authorize(await self.start_link(user_id, issuer), login_as=login_as, email=email)
        return (await self.callback(callback_url)).headers["Location"]


@pytest.fixture
def browser(sso: System, http: aiohttp.ClientSession) -> Browser:
    return Browser(sso, http)
