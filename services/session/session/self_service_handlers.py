"""Account self-service handlers (docs/api.md §7): password reset, email verification, sessions, security log."""

from __future__ import annotations

from aiohttp import web

from latchkey.cookies import clear_session_cookie
from latchkey.inputs import limit_param, read_json_object
from latchkey.security_events import Client, event_cursor
from latchkey.user_agents import describe

from . import account, email_verification, password_reset, security_log
from .fields import check_email
from .inputs import iso8601, ok, strings, user_principal
from .keys import CONTEXT
from .sessions import SessionView


async def request_password_reset(request: web.Request) -> web.Response:
    (email,) = strings(await read_json_object(request, form=True), "email")
    await password_reset.request_reset(request.app[CONTEXT], check_email(email), Client.of(request))
    return ok({}, status=202)


async def confirm_password_reset(request: web.Request) -> web.Response:
    token, new_password = strings(await read_json_object(request, form=True), "token", "newPassword")
    await password_reset.confirm_reset(request.app[CONTEXT], token, new_password, Client.of(request))
    return ok({})


async def request_email_verification(request: web.Request) -> web.Response:
    principal, userid = user_principal(request)
    sent = await email_verification.request_verification(
        request.app[CONTEXT], userid, Client.of(request), account.method_of(principal)
    )
    return ok({"sent": sent, "alreadyVerified": not sent}, status=202 if sent else 200)


async def confirm_email_verification(request: web.Request) -> web.Response:
    (token,) = strings(await read_json_object(request, form=True), "token")
    user = await email_verification.confirm(request.app[CONTEXT], token, Client.of(request))
    return ok({"email": user.email, "emailVerified": True})


async def list_sessions(request: web.Request) -> web.Response:
    principal, _userid = user_principal(request)
    views, current = await account.list_sessions(request.app[CONTEXT], principal)
    return ok({"sessions": [_session_out(view, current) for view in views]})


async def revoke_session(request: web.Request) -> web.Response:
    principal, _userid = user_principal(request)
    session_id = request.match_info["id"]
    await account.revoke_session(request.app[CONTEXT], principal, session_id, Client.of(request))
    response = ok({"current": account.is_current(principal, session_id)})
    if account.is_current(principal, session_id):
        clear_session_cookie(response, request.app[CONTEXT].settings.common)
    return response


async def my_events(request: web.Request) -> web.Response:
    _principal, userid = user_principal(request)
    events, next_cursor = await security_log.user_events(
        request.app[CONTEXT], userid, limit=limit_param(request, default=20, maximum=100), cursor=event_cursor(request)
    )
    return ok({"events": [event.out() for event in events], "nextCursor": next_cursor})


def _session_out(view: SessionView, current: str | None) -> dict:
    return {
        "id": view.id,
        "current": view.id == current,
        "createdAt": iso8601(view.session.authenticated_at),
        "lastSeenAt": iso8601(view.last_seen_at),
        "expiresAt": iso8601(view.session.expires_at),
        "ip": view.address,
        "userAgent": describe(view.user_agent) if view.user_agent else None,
        "methods": list(view.session.amr),
    }

