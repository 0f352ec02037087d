"""Headers every answer of a Latchkey process carries, whoever wrote the body.

- `Server: latchkey`: no framework or Python version to look up in a CVE list.
- `Cache-Control: no-store` on API answers that say nothing about caching:
  logins, API keys, org keys, refresh tokens, MFA secrets all travel as API
  answers, and a shared cache or the browser's disk must keep none of them.
  An answer that chose its own Cache-Control keeps it.
- `Strict-Transport-Security` when the public URL is https (the gateway), so a
  browser never again tries plain http, where a session cookie could leak.
"""

from __future__ import annotations

from aiohttp import web

SERVER = "latchkey"
HSTS = "max-age=31536000"  # one year; no includeSubDomains: the operator's other hosts are not ours to decide


def install(app: web.Application, *, hsts: bool, no_store_prefixes: tuple[str, ...] = ("/api/",)) -> None:
    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        headers["Server"] = SERVER
        if "Cache-Control" not in headers and (request.path.startswith(no_store_prefixes) or "Set-Cookie" in headers):
            headers["Cache-Control"] = "no-store"
        if hsts:
            headers["Strict-Transport-Security"] = HSTS

    app.on_response_prepare.append(on_prepare)
