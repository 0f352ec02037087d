"""An example partner platform: its own users and login form, Latchkey sign-in by handoff.

    LATCHKEY_URL=http://127.0.0.1:8080 ORG_ID=my-community ORG_API_KEY=... \
        python examples/partner-platform/partner.py --port 8090

Set the organization's auth redirect URL to http://127.0.0.1:8090/login. Then:

1. A browser opens `LATCHKEY/login?org=ORG_ID&return_to=/account`; Latchkey sends
   it here, to `/login?return_to=<absolute Latchkey URL>`.
2. The user signs in with this platform's own account.
3. Server to server, with only the org API key, this platform creates or
   updates the user in Latchkey and asks for a one-time refresh token.
4. The browser goes back to `return_to` with `refresh-token=<token>`; Latchkey
   swaps it for a session cookie and drops the token from the address bar.

Only aiohttp and the standard library: copy it and replace the user table.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import html
import os
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import aiohttp
from aiohttp import web


@dataclass(frozen=True)
class Settings:
    latchkey_url: str  # Latchkey's public URL, e.g. http://127.0.0.1:8080
    org_id: str  # the organization slug
    org_api_key: str  # from Latchkey's Integrations page; keep it on the server


@dataclass(frozen=True)
class User:
    user_name: str
    name: str
    email: str
    role: str  # USER or ADMIN, as Latchkey knows them
    salt: bytes
    password_hash: bytes


def hash_password(password: str, salt: bytes) -> bytes:
    # scrypt from the standard library keeps the example dependency-free; use argon2id in production.
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


def make_user(user_name: str, name: str, email: str, password: str, role: str = "USER") -> User:
    salt = secrets.token_bytes(16)
    return User(user_name, name, email, role, salt, hash_password(password, salt))


def demo_users() -> dict[str, User]:
    return {
        "ada": make_user("ada", "Ada Lovelace", "ada@partner.example", "analytical-engine", "ADMIN"),
        "grace": make_user("grace", "Grace Hopper", "grace@partner.example", "compiler-1952"),
    }


# A fixed hash to compare against when the user name is unknown, so both failures take the same time.
_NOBODY = make_user("-", "-", "-", secrets.token_urlsafe(16))


def authenticate(users: dict[str, User], user_name: str, password: str) -> User | None:
    user = users.get(user_name)
    candidate = user or _NOBODY
    matches = hmac.compare_digest(hash_password(password, candidate.salt), candidate.password_hash)
    return user if user is not None and matches else None


def latchkey_return_url(settings: Settings, return_to: str) -> str | None:
    """`return_to` only when it points into Latchkey: this page must not be an open redirect."""
    target, base = urlsplit(return_to), urlsplit(settings.latchkey_url)
    if (target.scheme, target.netloc) != (base.scheme, base.netloc) or not target.path.startswith("/"):
        return None
    if target.path.startswith("//") or "\\" in return_to:
        return None
    return return_to


def with_refresh_token(url: str, token: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "refresh-token"]
    query.append(("refresh-token", token))
    return urlunsplit(parts._replace(query=urlencode(query)))


class LatchkeyOrgClient:
    """The two calls a partner needs, authenticated with the org API key."""

    def __init__(self, http: aiohttp.ClientSession, settings: Settings) -> None:
        self._http = http
        self._settings = settings
        self._headers = {"x-org-id": settings.org_id, "x-api-key": settings.org_api_key}

    def _url(self, user_name: str, action: str) -> str:
        org = quote(self._settings.org_id, safe="")
        return f"{self._settings.latchkey_url}/api/organization/{org}/user/{quote(user_name, safe='')}/{action}"

    async def provision(self, user: User) -> None:
        body = {"name": user.name, "email": user.email, "role": user.role}
        async with self._http.post(self._url(user.user_name, "update"), json=body, headers=self._headers) as response:
            if response.status not in (200, 201):
                raise LatchkeyUnavailable(f"user update answered {response.status}: {await response.text()}")

    async def refresh_token(self, user: User) -> dict:
        async with self._http.post(self._url(user.user_name, "generate-token"), headers=self._headers) as response:
            if response.status != 201:
                raise LatchkeyUnavailable(f"generate-token answered {response.status}: {await response.text()}")
            return await response.json()


class LatchkeyUnavailable(Exception):
    pass


SETTINGS = web.AppKey("settings", Settings)
USERS = web.AppKey("users", dict)
LATCHKEY = web.AppKey("latchkey", LatchkeyOrgClient)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Partner Platform · Sign in</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 24rem; margin: 3rem auto">
<h1>Partner Platform</h1>
<p>Sign in with your Partner Platform account to continue to Latchkey.</p>
{error}
<form method="post" action="/login">
  <input type="hidden" name="return_to" value="{return_to}">
  <p><label>User name<br><input name="username" autocomplete="username" required></label></p>
  <p><label>Password<br><input name="password" type="password" autocomplete="current-password" required></label></p>
  <p><button type="submit">Sign in</button></p>
</form>
</body></html>
"""
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    # same-origin, not no-referrer: the login form's POST must carry our real Origin for the check below.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def login_page(return_to: str, error: str = "", status: int = 200) -> web.Response:
    error_html = f'<p role="alert" style="color:#b42318">{html.escape(error)}</p>' if error else ""
    text = PAGE.format(error=error_html, return_to=html.escape(return_to, quote=True))
    return web.Response(text=text, content_type="text/html", status=status, headers=HEADERS)


async def index(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/login")


async def show_login(request: web.Request) -> web.Response:
    return login_page(request.query.get("return_to", ""))


async def submit_login(request: web.Request) -> web.Response:
    # Refuse cross-site posts: a forged login would sign the victim in as the attacker.
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        return login_page("", "This form must be sent from this site.", status=403)
    form = await request.post()
    return_to = str(form.get("return_to", ""))
    user = authenticate(request.app[USERS], str(form.get("username", "")), str(form.get("password", "")))
    if user is None:
        return login_page(return_to, "Wrong user name or password.", status=401)
    latchkey = request.app[LATCHKEY]
    try:
        await latchkey.provision(user)
        token = await latchkey.refresh_token(user)
    except (LatchkeyUnavailable, aiohttp.ClientError) as error:
        print(f"partner: Latchkey handoff failed: {error}", flush=True)  # never prints the token or API key
        return login_page(return_to, "Latchkey is unavailable; please try again.", status=502)
    target = latchkey_return_url(request.app[SETTINGS], return_to)
    location = with_refresh_token(target, token["refreshToken"]) if target else token["loginUrl"]
    return web.Response(status=303, headers={"Location": location, **HEADERS})


async def http_client(app: web.Application):
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        app[LATCHKEY] = LatchkeyOrgClient(http, app[SETTINGS])
        yield


def create_app(settings: Settings, users: dict[str, User] | None = None) -> web.Application:
    app = web.Application()
    app[SETTINGS] = settings
    app[USERS] = demo_users() if users is None else users
    app.cleanup_ctx.append(http_client)
    app.router.add_get("/", index)
    app.router.add_get("/login", show_login)
    app.router.add_post("/login", submit_login)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Example partner platform for Latchkey's browser handoff")
    parser.add_argument("--latchkey-url", default=os.environ.get("LATCHKEY_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--org-id", default=os.environ.get("ORG_ID"))
    parser.add_argument("--org-api-key", default=os.environ.get("ORG_API_KEY"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    if not args.org_id or not args.org_api_key:
        parser.error("set ORG_ID and ORG_API_KEY (or --org-id and --org-api-key)")
    settings = Settings(args.latchkey_url.rstrip("/"), args.org_id, args.org_api_key)
    print(f"partner: http://{args.host}:{args.port}/login (demo users: ada, grace; see README.md)", flush=True)
    web.run_app(create_app(settings), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
