"""Forward auth (`/auth/verify`): another proxy asks whether a request may pass (docs/api.md §6).

One endpoint for every dialect; the original request is named by

- nginx `auth_request`: `X-Original-URI`, `X-Original-Method` (set in its config);
- Traefik ForwardAuth, Caddy `forward_auth`: `X-Forwarded-Uri`, `X-Forwarded-Method`;
- Envoy `ext_authz` (HTTP service, `path_prefix: /auth/verify`): the original path
  appended to ours, with the original method.

The decision is the proxy's own pipeline (credentials, `access.admit`, the one
policy table) without the forwarding. A browser that must sign in also gets a
`Location` to the sign-in page, which the proxy turns into a redirect.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from aiohttp import web

from latchkey.errors import BadRequest, Envelope, Forbidden, LatchkeyError, render_error
from latchkey.inputs import is_safe_return_path

from .credentials import CREDENTIAL_PARAMS
from .matching import has_dot_segments

VERIFY_PATH = "/auth/verify"
MAX_URI_LENGTH = 8192
_SAFE_METHODS = frozenset({"GET", "HEAD"})


class NoMatchingRoute(Forbidden):
    # 403, not 404: auth_request treats anything but 2xx/401/403 as its own error, and unknown means no.
    code = "no_matching_route"
    message = "No protected route matches this request."


class InvalidOriginalRequest(BadRequest):
    code = "invalid_original_request"
    message = "The proxy did not name the original request properly."


@dataclass(frozen=True, slots=True)
class Original:
    method: str
    uri: str  # path and query, as the client sent them


def original_request(request: web.Request) -> Original:
    headers = request.headers
    uri = headers.get("X-Original-URI") or headers.get("X-Forwarded-Uri")
    method = headers.get("X-Original-Method") or headers.get("X-Forwarded-Method") or request.method
    if uri is None:
        uri = request.rel_url.raw_path[len(VERIFY_PATH):] or "/"
        if request.rel_url.raw_query_string:
            uri += "?" + request.rel_url.raw_query_string
    if uri.startswith(("http://", "https://")):  # absolute form: keep the path and query
        parts = urlsplit(uri)
        uri = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    method = method.strip().upper()
    if len(uri) > MAX_URI_LENGTH or not uri.startswith("/") or uri.startswith("//") or not method.isalpha():
        raise InvalidOriginalRequest()
    if has_dot_segments(unquote(uri.partition("?")[0])):
        raise InvalidOriginalRequest("The original path has dot segments; the proxy should have resolved them.")
    return Original(method, uri)


def is_browser(request: web.BaseRequest, method: str) -> bool:
    """A page load: the browser asks for HTML, and following a redirect is harmless."""
    return method in _SAFE_METHODS and "text/html" in request.headers.get("Accept", "")


def refusal(error: LatchkeyError, envelope: Envelope, *, public_url: str, original: Original, browser: bool) -> web.Response:
    """A 401/403 in the route's envelope, with what a proxy can do with it."""
    response = render_error(error, envelope)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="latchkey"'
    # Signing in helps when nobody is signed in, or when the route needs an interactive session.
    if browser and (error.status == 401 or error.code == "forbidden_auth_method"):
        response.headers["Location"] = sign_in_url(public_url, original.uri)
    return response


def sign_in_url(public_url: str, original_uri: str) -> str:
    """`<PUBLIC_URL>/login?return_to=<the original path>` without credential parameters."""
    path, _, query = original_uri.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in CREDENTIAL_PARAMS]
    return_to = path + ("?" + urlencode(kept) if kept else "")
    if not is_safe_return_path(return_to):
        return public_url + "/login"
    return public_url + "/login?return_to=" + quote(return_to, safe="/")

