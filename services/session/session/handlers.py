"""Account API handlers (`/api/1/`, docs/api.md §2): parse, call one domain function, shape the envelope."""

from __future__ import annotations

from aiohttp import web

from latchkey.cookies import clear_session_cookie, set_session_cookie
from latchkey.inputs import read_json_object
from latchkey.security_events import Client

from . import account, api_keys, authentication, password_changes
from .inputs import iso8601, ok, strings, user_principal
from .keys import CONTEXT
from .openapi import OPENAPI
from .users import account_user, login_user


async def login(request: web.Request) -> web.Response:
    email, password = strings(await read_json_object(request, form=True), "email", "password")
    sesskey, _session, user = await authentication.login(request.app[CONTEXT], email, password, client=Client.of(request))
    response = ok({"sesskey": sesskey, **login_user(user)})
    set_session_cookie(response, sesskey, request.app[CONTEXT].settings.common)
    return response


async def current_session(request: web.Request) -> web.Response:
    principal, userid = user_principal(request)
    current = await account.current_session(request.app[CONTEXT], principal, userid)
    return ok(
        {
            "user": account_user(current.user),
            "expiresAt": iso8601(current.expires_at),
            "absoluteExpiresAt": iso8601(current.absolute_expires_at),
            "authenticatedAt": iso8601(current.authenticated_at),
            "methods": list(current.methods),
        }
    )


async def logout(request: web.Request) -> web.Response:
    principal, _userid = user_principal(request)
    await account.end_session(request.app[CONTEXT], principal, Client.of(request))
    response = ok({})
    clear_session_cookie(response, request.app[CONTEXT].settings.common)
    return response


async def logout_everywhere(request: web.Request) -> web.Response:
    principal, _userid = user_principal(request)
    ended = await account.end_all_sessions(request.app[CONTEXT], principal, Client.of(request))
    response = ok({"ended": ended})
    clear_session_cookie(response, request.app[CONTEXT].settings.common)
    return response


async def me(request: web.Request) -> web.Response:
    _principal, userid = user_principal(request)
    return ok(account_user(await account.current_user(request.app[CONTEXT], userid)))


async def show_api_key(request: web.Request) -> web.Response:
    _principal, userid = user_principal(request, refuse_api_key=True)
    return ok({"apikey": await api_keys.show_api_key(request.app[CONTEXT], userid)})


async def regenerate_api_key(request: web.Request) -> web.Response:
    principal, userid = user_principal(request, refuse_api_key=True)
    key = await api_keys.regenerate_api_key(request.app[CONTEXT], userid, client=Client.of(request), method=account.method_of(principal))
    return ok({"apikey": key})


async def change_password(request: web.Request) -> web.Response:
    principal, userid = user_principal(request, refuse_api_key=True)
    body = await read_json_object(request, form=True)
    (new,) = strings(body, "newPassword")
    current = body.get("currentPassword") if isinstance(body.get("currentPassword"), str) else ""
    ended = await password_changes.change_password(
        request.app[CONTEXT], userid, current=current, new=new, keep_session=principal.sid, client=Client.of(request),
        method=account.method_of(principal),
    )
    return ok({"endedSessions": ended})


async def openapi(_request: web.Request) -> web.Response:
    return web.json_response(OPENAPI)
