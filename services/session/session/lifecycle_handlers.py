"""Account lifecycle handlers (`/api/1/users...`): edit the profile, delete the account."""

from __future__ import annotations

from aiohttp import web

from latchkey.cookies import clear_session_cookie
from latchkey.inputs import read_json_object
from latchkey.security_events import Client

from . import account_deletion, profile
from .inputs import ok, user_principal
from .keys import CONTEXT, LINKED_ACCOUNTS
from .users import account_user


async def update_profile(request: web.Request) -> web.Response:
    _principal, userid = user_principal(request, refuse_api_key=True)
    body = await read_json_object(request, form=True)
    return ok(account_user(await profile.update_own_profile(request.app[CONTEXT], userid, body)))


async def delete_account(request: web.Request) -> web.Response:
    _principal, userid = user_principal(request, refuse_api_key=True)
    body = await read_json_object(request, form=True)
    ctx = request.app[CONTEXT]
    await account_deletion.delete_own_account(
        ctx, request.app[LINKED_ACCOUNTS], userid, password=body.get("password"), address=Client.of(request).address
    )
    response = ok({"deleted": True})
    clear_session_cookie(response, ctx.settings.common)
    return response
