"""HTTP in and out for the SSO API; the work happens in links, sign_in and callback."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from latchkey.cookies import set_session_cookie
from latchkey.identity import principal_of
from latchkey.inputs import path_id, read_json_object, safe_return_path
from latchkey.security_events import Client

from . import links, sign_in
from .access import interactive_user_id
from .callback import complete_callback
from .context import SsoContext, StartedFlow
from .keys import CONTEXT
from .openapi import document_for

# The callback URL carries the authorization code: keep it out of caches and Referer headers.
_REDIRECT_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
# Binds a pending flow to the browser that started it (see flows.py). Lax, so
# the provider's top-level redirect back carries it; sent to the callback only.
FLOW_COOKIE = "sso_flow"
_FLOW_COOKIE_PATH = "/api/v1/sso/callback"


def _bind_browser(response: web.StreamResponse, ctx: SsoContext, started: StartedFlow | None) -> None:
    common = ctx.settings.common
    path = urlsplit(common.public_url).path + _FLOW_COOKIE_PATH  # PUBLIC_URL may carry a path prefix
    value, max_age = (started.binding, ctx.settings.flow_ttl) if started else ("", 0)
    secure = common.public_is_https
    response.set_cookie(FLOW_COOKIE, value, path=path, httponly=True, samesite="Lax", secure=secure, max_age=max_age)


async def list_providers(request: web.Request) -> web.Response:
    return web.json_response(request.app[CONTEXT].providers.listing())


async def start_link(request: web.Request) -> web.Response:
    user_id = interactive_user_id(principal_of(request))
    body = await read_json_object(request)
    ctx = request.app[CONTEXT]
    provider = ctx.providers.require(body.get("issuer"))
    return_to = safe_return_path(body.get("returnTo"), default=links.ACCOUNT_PAGE, field="returnTo")
    started = await links.start_link(ctx, user_id, provider.config.id, return_to)
    response = web.json_response({"link": started.url}, headers={"Cache-Control": "no-store"})
    _bind_browser(response, ctx, started)
    return response


async def list_links(request: web.Request) -> web.Response:
    user_id = interactive_user_id(principal_of(request))
    return web.json_response(await links.list_linked(request.app[CONTEXT], user_id))


async def get_link(request: web.Request) -> web.Response:
    user_id = interactive_user_id(principal_of(request))
    return web.json_response(await links.get_linked(request.app[CONTEXT], user_id, request.match_info["issuer"]))


async def delete_link(request: web.Request) -> web.Response:
    user_id = interactive_user_id(principal_of(request))
    await links.unlink(request.app[CONTEXT], user_id, request.match_info["issuer"], Client.of(request))
    return web.Response(status=204)


async def start_login(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    provider = ctx.providers.require(request.match_info["issuer"])
    return_to = safe_return_path(request.query.get("return_to"), default=sign_in.DEFAULT_RETURN)
    started = await sign_in.start_sign_in(ctx, provider.config.id, return_to)
    response = web.Response(status=302, headers={"Location": started.url, **_REDIRECT_HEADERS})
    _bind_browser(response, ctx, started)
    return response


async def callback(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    query = request.query
    outcome = await complete_callback(
        ctx,
        state=query.get("state"),
        code=query.get("code"),
        error=query.get("error"),
        binding=request.cookies.get(FLOW_COOKIE),
        client=Client.of(request),
        iss=query.get("iss"),
    )
    response = web.Response(status=303, headers={"Location": outcome.location, **_REDIRECT_HEADERS})
    _bind_browser(response, ctx, None)
    if outcome.session is not None:
        set_session_cookie(response, outcome.session.sesskey, ctx.settings.common)
    return response


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(document_for(request.app[CONTEXT].providers.ids()))


async def forget_user(request: web.Request) -> web.Response:
    """Internal: session deletes an account and asks for its links to go first."""
    removed = await links.forget_user(request.app[CONTEXT], path_id(request, "userid"))
    return web.json_response({"removed": removed})
