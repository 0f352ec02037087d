"""The browser handoff between a partner platform and Latchkey (docs/api.md §3).

Out: `/login?org=<slug>` sends the browser to the organization's own sign-in
page (its `authRedirectUrl`) with the absolute Latchkey URL to come back to.
Back: the partner sends the browser to any page with `?refresh-token=T`; the
token is exchanged once for a session (org-provisioning does the single-use
take), the cookie is set, and the browser is sent to the same URL without the
token so it leaves the address bar and the history.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from aiohttp import web
from multidict import MultiDict

from latchkey.cookies import set_session_cookie
from latchkey.errors import BadRequest, InvalidRefreshToken, LatchkeyError, NotFound, Unauthenticated
from latchkey.inputs import is_safe_return_path
from latchkey.security_events import Client

from ..keys import ORG_CLIENT, SETTINGS
from .render import with_page_headers
from .sign_in import DEFAULT_RETURN_PATH, sign_in_address, sign_in_page

log = logging.getLogger("gateway.pages.handoff")

REFRESH_TOKEN_PARAM = "refresh-token"
_ORG_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_MAX_TOKEN_LENGTH = 512
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class UnknownOrganization(NotFound):
    code = "unknown_organization"
    message = "We do not know that organization. Check its ID."


# What a browser with a spent or unknown handoff link reads (the API's InvalidRefreshToken speaks of tokens).
SPENT_LINK = "This sign-in link is used, expired or unknown. Please sign in again."


def organization_sign_in_url(auth_redirect_url: str, return_url: str) -> str:
    """The organization's sign-in URL with our `return_to` added, its own parameters kept."""
    parts = urlsplit(auth_redirect_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "return_to"]
    query.append(("return_to", return_url))
    return urlunsplit(parts._replace(query=urlencode(query)))


async def find_organization(request: web.Request, slug: str) -> dict:
    if not _ORG_SLUG.match(slug):
        raise UnknownOrganization()
    try:
        _status, org = await request.app[ORG_CLIENT].call("GET", f"/internal/organizations/{quote(slug, safe='')}")
    except NotFound:
        raise UnknownOrganization() from None
    return org


async def organization_login(request: web.Request, slug: str, return_path: str) -> web.Response:
    """302 to the organization's sign-in page, or our own sign-in page when it has none."""
    org = await find_organization(request, slug)
    redirect_url = org.get("authRedirectUrl")
    if not redirect_url or urlsplit(redirect_url).scheme not in ("http", "https"):
        return sign_in_page(return_to=return_path, org_name=org.get("name") or slug)
    return_url = request.app[SETTINGS].common.public_url + return_path
    response = web.Response(status=302, headers={"Location": organization_sign_in_url(redirect_url, return_url)})
    return with_page_headers(response)


async def exchange_refresh_token(request: web.Request, token: str) -> dict:
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        raise InvalidRefreshToken(SPENT_LINK)
    try:
        _status, answer = await request.app[ORG_CLIENT].call(
            "POST", "/internal/refresh-tokens/exchange", json_body={"refreshToken": token, "client": _browser(request)}
        )
    except (BadRequest, Unauthenticated, NotFound):
        raise InvalidRefreshToken(SPENT_LINK) from None
    return answer


def _browser(request: web.Request) -> dict:
    """Who is signing in, for the user's sessions list and the organization's log (never a credential)."""
    return Client.of_values(request.remote, request.headers.get("User-Agent")).to_json()


def without_refresh_token(request: web.Request) -> str:
    """The request's own path and query minus the token: same site by construction."""
    query = MultiDict((k, v) for k, v in request.rel_url.query.items() if k != REFRESH_TOKEN_PARAM)
    return str(request.rel_url.with_query(query))


def exchanges_refresh_token(handler: Handler) -> Handler:
    """Wrap a page handler: a `?refresh-token=` in its URL becomes a session cookie first."""

    @functools.wraps(handler)
    async def page(request: web.Request) -> web.StreamResponse:
        tokens = request.rel_url.query.getall(REFRESH_TOKEN_PARAM, [])
        # HEAD is what link previewers and prefetchers send: it must not spend the user's one-time token.
        if not tokens or request.method == "HEAD":
            return await handler(request)
        clean_url = without_refresh_token(request)
        try:
            if len(tokens) != 1:
                raise InvalidRefreshToken(SPENT_LINK)
            answer = await exchange_refresh_token(request, tokens[0])
        except LatchkeyError as error:
            # The token itself is never logged; the code says enough.
            log.info("refresh token refused", extra={"fields": {"code": error.code}})
            return_to = clean_url if is_safe_return_path(clean_url) else DEFAULT_RETURN_PATH
            # The spent token leaves the address bar as on success: the page replaces its URL.
            return sign_in_page(
                return_to=return_to, message=error.message, status=error.status, address=sign_in_address(return_to)
            )
        response = web.Response(status=303, headers={"Location": clean_url})
        set_session_cookie(response, answer["sesskey"], request.app[SETTINGS].common)
        return with_page_headers(response)

    return page

