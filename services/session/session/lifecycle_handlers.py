"""Account lifecycle handlers (`/api/1/users...`): sign up, edit the profile, change the email, delete the account."""

from __future__ import annotations

from aiohttp import web

from latchkey.cookies import clear_session_cookie
from latchkey.inputs import read_json_object
from latchkey.security_events import Client

from . import account, account_deletion, email_change, profile, signup
from .inputs import ok, strings, user_principal
from .keys import CONTEXT, PEERS
from .users import account_user


async def sign_up(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    await signup.sign_up(ctx, await read_json_object(request, form=True), Client.of(request))
    # The same answer for a new and a taken email; what happens next is in the mail.
    return ok({"verificationRequired": ctx.settings.require_verified_email}, status=202)


async def update_profile(request: web.Request) -> web.Response:
    principal, userid = user_principal(request, refuse_api_key=True)
    body = await read_json_object(request, form=True)
    user = await profile.update_own_profile(
        request.app[CONTEXT], userid, body, client=Client.of(request), method=account.method_of(principal)
    )
    return ok(account_user(user))


async def request_email_change(request: web.Request) -> web.Response:
    principal, userid = user_principal(request, refuse_api_key=True)
    await email_change.request_change(
        request.app[CONTEXT], userid, await read_json_object(request, form=True),
        client=Client.of(request), keep_session=principal.sid, method=account.method_of(principal),
    )
    return ok({}, status=202)


async def confirm_email_change(request: web.Request) -> web.Response:
    (token,) = strings(await read_json_object(request, form=True), "token")
    user = await email_change.confirm_change(request.app[CONTEXT], token, Client.of(request))
    return ok({"email": user.email})


async def delete_account(request: web.Request) -> web.Response:
    principal, userid = user_principal(request, refuse_api_key=True)
    body = await read_json_object(request, form=True)
    ctx = request.app[CONTEXT]
    await account_deletion.delete_own_account(
        ctx, request.app[PEERS], userid, password=body.get("password"), code=body.get("code"),
        client=Client.of(request), method=account.method_of(principal),
    )
    response = ok({"deleted": True})
    clear_session_cookie(response, ctx.settings.common)
    return response
