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

import jwt
from aiohttp import web

from latchkey.tokens import IDENTITY_HEADER, TokenVerifier
from latchkey_cli.embedded import free_port
from session.sessions import SessionStore


class Echo:
    def __init__(self, trusted_keys: dict[str, bytes]) -> None:
        self.verifiers = {name: TokenVerifier(name, trusted_keys) for name in ("session", "org-provisioning", "oidc-link")}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.seen: list[dict] = []
        self.runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        token = request.headers.get(IDENTITY_HEADER)
        principal = None
        if token is not None:
            audience = jwt.decode(token, options={"verify_signature": False})["aud"].removeprefix("latchkey:")
            principal = self.verifiers[audience].principal(token).claims() | {"aud": audience}
        seen = {
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

    async def start(self) -> Echo:
        app = web.Application(client_max_size=10 * 1024**2)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
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
