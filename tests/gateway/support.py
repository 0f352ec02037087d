"""What the gateway's tests share: an echo upstream, real sessions, Basic headers.

The echo is a real aiohttp server on a real socket standing in for a service:
it answers with what it received (method, path, query, headers, body) and the
principal of the identity header, verified exactly as a service verifies it.
Headers `X-Echo-Sleep`, `X-Echo-Redirect` and `X-Echo-Big` make it slow,
redirect with two cookies, or answer a large unsized body.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from aiohttp import web

from latchkey.tokens import IDENTITY_HEADER, TokenVerifier
from latchkey_cli.embedded import free_port
from session.sessions import SessionStore


class Echo:
    def __init__(self, trusted_keys: dict[str, bytes], name: str = "echo") -> None:
        self.name = name
        self.verifiers = {name: TokenVerifier(name, trusted_keys) for name in ("session", "org-provisioning", "oidc-link")}
        self.gateway_key = Ed25519PublicKey.from_public_bytes(trusted_keys["gateway"])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.seen: list[dict] = []
        self.runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        token = request.headers.get(IDENTITY_HEADER)
        principal = None
        if token is not None:
            aud = jwt.decode(token, options={"verify_signature": False})["aud"]
            audience = aud.removeprefix("latchkey:")
            if aud.startswith("latchkey:"):
                principal = self.verifiers[audience].principal(token).claims() | {"aud": audience}
            else:  # an operator's upstream: verified as the operator's own service would, with the public key
                principal = jwt.decode(token, self.gateway_key, algorithms=["EdDSA"], audience=aud, issuer="latchkey:gateway")
        seen = {
            "service": self.name,
            "method": request.method,
            "path": request.rel_url.raw_path,
            "query": request.rel_url.raw_query_string,
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body": body.decode(errors="replace"),
            "principal": principal,
        }
        self.seen.append(seen)
        if "X-Echo-Sleep" in request.headers:
            await asyncio.sleep(float(request.headers["X-Echo-Sleep"]))
        if "X-Echo-Redirect" in request.headers:
            redirect = web.HTTPFound("/somewhere")
            redirect.set_cookie("a", "1")
            redirect.set_cookie("b", "2")
            raise redirect
        if "X-Echo-Big" in request.headers:
            streamed = web.StreamResponse()
            await streamed.prepare(request)
            for _ in range(8):
                await streamed.write(b"x" * 100_000)
            await streamed.write_eof()
            return streamed
        return web.json_response(seen)

    async def start(self, *, keepalive_timeout: float = 75.0) -> Echo:
        app = web.Application(client_max_size=10 * 1024**2)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None, keepalive_timeout=keepalive_timeout)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


async def new_session(store: SessionStore, user_id: int, *, perms=("oauth",), amr=("pwd",)) -> str:
    sesskey, _session = await store.create(user_id=user_id, org_id=1, role="", perms=frozenset(perms), amr=amr)
    return sesskey


def basic(email: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()


@dataclass
class Account:
    """A real organization and user, created as an operator would, signed in through the gateway."""

    email: str
    password: str
    userid: int
    org_slug: str
    org_key: str
    sesskey: str
    apikey: str


async def create_account(system, http, *, slug: str = "acme", email: str = "ada@example.com", password: str = "correct horse battery 1") -> Account:
    from org_provisioning import operator as org_operator
    from org_provisioning.settings import Settings as OrgSettings
    from session import operator as session_operator
    from session.settings import Settings as SessionSettings

    org = await org_operator.create_organization(OrgSettings.from_env(system.env), slug=slug, name=slug.title(), auth_redirect_url=None)
    user = await session_operator.create_user(
        SessionSettings.from_env(system.env), email=email, password=password, org_id=org["id"], role="USER", name="Ada"
    )
    sesskey = await sign_in(system.gateway, http, email, password)
    async with http.get(system.gateway + "/api/1/users/me/apikey", headers={"Authorization": "Bearer " + sesskey}) as response:
        assert response.status == 200, await response.text()
        apikey = (await response.json())["data"]["apikey"]
    return Account(email, password, user["userid"], org["orgId"], org["apiKey"], sesskey, apikey)


async def sign_in(gateway: str, http, email: str, password: str) -> str:
    async with http.post(gateway + "/api/1/auth/session", json={"email": email, "password": password}) as response:
        assert response.status == 200, await response.text()
        return (await response.json())["data"]["sesskey"]
