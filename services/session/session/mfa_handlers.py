"""Two-factor handlers (docs/api.md §8): parse, call one domain function, shape the envelope."""

from __future__ import annotations

from aiohttp import web

from latchkey.cookies import set_session_cookie
from latchkey.errors import ForbiddenAuthMethod
from latchkey.inputs import read_json_object
from latchkey.security_events import Client
from latchkey.tokens import Principal

from . import account, authentication, mfa
from .inputs import ok, strings, user_principal
from .keys import CONTEXT
from .users import login_user


async def complete_login(request: web.Request) -> web.Response:
    """`POST /api/1/auth/session/mfa`: answers exactly like a password login."""
    body = await read_json_object(request, form=True)
    mfa_token, code = strings(body, "mfaToken", "code")
    ctx = request.app[CONTEXT]
    sesskey, _session, user = await authentication.complete_login(ctx, mfa_token, code, client=Client.of(request))
    response = ok({"sesskey": sesskey, **login_user(user)})
    set_session_cookie(response, sesskey, ctx.settings.common)
    return response


def _interactive_user(request: web.Request) -> tuple[Principal, int]:
    """Setting factors up or down needs a signed-in person (a session), never Basic or an API key."""
    principal, userid = user_principal(request, refuse_api_key=True)
    if "oauth" not in principal.perms:
        raise ForbiddenAuthMethod("Sign in interactively to change two-factor sign-in.")
    return principal, userid


async def mfa_status(request: web.Request) -> web.Response:
    _principal, userid = user_principal(request)
    status = await mfa.status(request.app[CONTEXT], userid)
    return ok({"totp": {"enabled": status.enabled, "pending": status.pending, "recoveryCodesLeft": status.recovery_codes_left}})


async def begin_totp(request: web.Request) -> web.Response:
    _principal, userid = _interactive_user(request)
    enrolment = await mfa.begin_enrolment(request.app[CONTEXT], userid)
    return ok({"secret": enrolment.secret, "otpauthUri": enrolment.otpauth_uri, "qrSvg": enrolment.qr_svg})


async def confirm_totp(request: web.Request) -> web.Response:
    principal, userid = _interactive_user(request)
    (code,) = strings(await read_json_object(request, form=True), "code")
    codes = await mfa.confirm_enrolment(
        request.app[CONTEXT], userid, code, client=Client.of(request), method=account.method_of(principal)
    )
    return ok({"recoveryCodes": codes})


async def disable_totp(request: web.Request) -> web.Response:
    principal, userid = _interactive_user(request)
    body = await read_json_object(request, form=True)
    (code,) = strings(body, "code")
    password = body.get("password") if isinstance(body.get("password"), str) else ""
    await mfa.disable(
        request.app[CONTEXT], userid, password=password, code=code, client=Client.of(request), method=account.method_of(principal)
    )
    return ok({})
