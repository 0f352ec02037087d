"""Internal routes (docs/internal-api.md, "session"), each accepting only the callers the contract names."""

from __future__ import annotations

import re

from aiohttp import web

from latchkey.errors import ValidationFailed
from latchkey.identity import require_service
from latchkey.inputs import MAX_ID, id_cursor, limit_param, path_id, read_json_object
from latchkey.security_events import Client

from . import api_keys, authentication, security_log, users
from .fields import check_profile, check_user_name
from .inputs import strings
from .keys import CONTEXT

_AUTH_METHOD = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def _names(value: object, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and _AUTH_METHOD.match(v) for v in value):
        raise ValidationFailed({field: "must be a list of lowercase names"})
    return value


async def verify_password(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    email, password = strings(body, "email", "password")
    # The client the gateway saw (optional): Basic guesses count towards its address like logins do,
    # and a refused one names its address and user agent in the user's security log.
    client = Client.from_json(body.get("client"))
    user = await authentication.verify_password_credential(request.app[CONTEXT], email, password, client=client)
    return web.json_response({"user": users.user_out(user), "credentialVersion": user.credential_version})


async def verify_api_key(request: web.Request) -> web.Response:
    (apikey,) = strings(await read_json_object(request), "apikey")
    user = await api_keys.verify_api_key(request.app[CONTEXT], apikey)
    return web.json_response({"user": users.user_out(user)})


async def create_session(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    user_id = body.get("userId")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id <= MAX_ID:
        raise ValidationFailed({"userId": "must be an integer"})
    ctx = request.app[CONTEXT]
    sesskey, _session, user = await authentication.open_session(
        ctx, body["userId"], amr=_names(body.get("amr"), "amr"), perms=_names(body.get("perms", []), "perms"),
        client=Client.from_json(body.get("client")),
    )
    expires_in = int(min(ctx.settings.idle_timeout, ctx.settings.absolute_lifetime))
    return web.json_response({"sesskey": sesskey, "expiresIn": expires_in, "user": users.user_out(user)}, status=201)


async def put_org_user(request: web.Request) -> web.Response:
    user_name = check_user_name(request.match_info["userName"])
    changes = check_profile(await read_json_object(request))
    created, user = await users.upsert_org_user(request.app[CONTEXT], path_id(request, "orgId"), user_name, changes)
    return web.json_response({"user": users.user_out(user)}, status=201 if created else 200)


async def list_org_users(request: web.Request) -> web.Response:
    limit = limit_param(request, default=50, maximum=200)
    page, next_cursor = await users.list_org_users(
        request.app[CONTEXT], path_id(request, "orgId"), limit=limit, after=id_cursor(request)
    )
    return web.json_response({"users": [users.user_out(u) for u in page], "nextCursor": next_cursor})


async def get_org_user(request: web.Request) -> web.Response:
    user_name = check_user_name(request.match_info["userName"])
    user = await users.require_org_user(request.app[CONTEXT], path_id(request, "orgId"), user_name)
    return web.json_response({"user": users.user_out(user)})


async def delete_org_user(request: web.Request) -> web.Response:
    user_name = check_user_name(request.match_info["userName"])
    await users.deprovision_org_user(request.app[CONTEXT], path_id(request, "orgId"), user_name)
    return web.Response(status=204)


async def report_event(request: web.Request) -> web.Response:
    caller = require_service(request, *security_log.REPORTABLE)
    await security_log.report(request.app[CONTEXT], caller, path_id(request, "userid"), await read_json_object(request))
    return web.Response(status=204)


async def get_user(request: web.Request) -> web.Response:
    user = await users.require_user(request.app[CONTEXT], path_id(request, "userid"))
    return web.json_response({"user": users.user_out(user)})
