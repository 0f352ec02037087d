"""Finding the credentials of docs/api.md §1 in a request, and taking them out of it.

Every place a credential may travel is read here: the `sesskey` cookie,
`sesskey` / `apikey` in the query or in a small form or JSON body,
`Authorization: Bearer|Basic`, `X-API-Key`, and `x-org-id` + `x-api-key`.
What is forwarded upstream is the request *without* them: the body is read
once into bytes (only when it is a small form or JSON body) and the same
bytes, minus the credential fields, go upstream.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from latchkey.cookies import SESSION_COOKIE
from latchkey.errors import AmbiguousCredentials, InvalidCredentials, PayloadTooLarge

SESSKEY_PARAM = "sesskey"
APIKEY_PARAM = "apikey"
CREDENTIAL_PARAMS = (SESSKEY_PARAM, APIKEY_PARAM)
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
_PLAIN_COOKIE_VALUE = re.compile(r"[!#-+\--:<-\[\]-~]*")  # RFC 6265 cookie-octets: no quoting needed


class Kind(Enum):
    SESSION = "session"
    BASIC = "basic"
    API_KEY = "api_key"
    ORG_KEY = "org_key"


@dataclass(frozen=True, slots=True)
class Credential:
    kind: Kind
    secret: str  # the sesskey, password, API key or org key: never logged
    source: str  # cookie, query, body, bearer, basic, header
    name: str | None = None  # the email (Basic) or the org slug (org key)

    @property
    def is_cookie(self) -> bool:
        return self.source == "cookie"


@dataclass(frozen=True, slots=True)
class Inbound:
    """The credentials of a request and the body to forward (None: stream the original)."""

    credentials: tuple[Credential, ...]
    body: bytes | None


def _param_kind(name: str) -> Kind:
    return Kind.SESSION if name == SESSKEY_PARAM else Kind.API_KEY


def header_credentials(request: web.Request) -> list[Credential]:
    # Every copy of a repeated header counts: checking only the first would ignore a wrong second one.
    headers = request.headers
    found = [_authorization_credential(value) for value in headers.getall("Authorization", ())]
    org_ids = {org_id for org_id in headers.getall("x-org-id", ()) if org_id}
    if len(org_ids) > 1:
        raise AmbiguousCredentials()
    org_id = org_ids.pop() if org_ids else None
    for api_key in headers.getall("X-API-Key", ()):
        if not api_key:
            continue
        if org_id:
            found.append(Credential(Kind.ORG_KEY, api_key, "header", org_id))
        else:
            found.append(Credential(Kind.API_KEY, api_key, "header"))
    return found


def _authorization_credential(value: str) -> Credential:
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    scheme = scheme.lower()
    if scheme == "bearer" and token:
        return Credential(Kind.SESSION, token, "bearer")
    if scheme == "basic" and token:
        try:
            decoded = base64.b64decode(token, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidCredentials("Malformed Basic credentials.") from None
        email, colon, password = decoded.partition(":")
        if colon and email and password:
            return Credential(Kind.BASIC, password, "basic", email)
    # An Authorization header we cannot use is still a credential: refuse, never ignore.
    raise InvalidCredentials("Unsupported or malformed Authorization header.")


def query_credentials(request: web.Request) -> list[Credential]:
    if not request.query_string:
        return []
    query = request.query
    return [
        Credential(_param_kind(name), value, "query")
        for name in CREDENTIAL_PARAMS
        for value in query.getall(name, ())
        if value
    ]


def cookie_credentials(request: web.Request) -> list[Credential]:
    sesskey = request.cookies.get(SESSION_COOKIE) if "Cookie" in request.headers else None
    return [Credential(Kind.SESSION, sesskey, "cookie")] if sesskey else []


def body_is_readable(request: web.Request) -> bool:
    """Only small form and JSON bodies are read here; anything else streams through untouched."""
    if not request.body_exists:
        return False
    content_type = request.content_type
    return content_type == FORM or content_type == JSON or content_type.endswith("+json")


async def read_inbound(request: web.Request, max_body_bytes: int) -> Inbound:
    """All credentials of the request, explicit ones first, and the body to forward."""
    if request.content_length is not None and request.content_length > max_body_bytes:
        raise PayloadTooLarge()
    found = header_credentials(request) + query_credentials(request)
    body: bytes | None = None
    if body_is_readable(request):
        body, in_body = strip_body(await request.read(), request.content_type)
        found += in_body
    found += cookie_credentials(request)
    return Inbound(tuple(found), body)


def credentials_outside_body(request: web.Request) -> tuple[Credential, ...]:
    """Header, query and cookie credentials: what another proxy passes to /auth/verify (never the body)."""
    return tuple(header_credentials(request) + query_credentials(request) + cookie_credentials(request))


def strip_body(body: bytes, content_type: str) -> tuple[bytes, list[Credential]]:
    """The body without its credential fields, and those credentials; unchanged bytes when it has none."""
    if content_type == FORM:
        return _strip_form(body)
    return _strip_json(body)


def _strip_form(body: bytes) -> tuple[bytes, list[Credential]]:
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True)
    except UnicodeDecodeError:
        return body, []
    found = [Credential(_param_kind(k), v, "body") for k, v in pairs if k in CREDENTIAL_PARAMS and v]
    if not any(k in CREDENTIAL_PARAMS for k, _ in pairs):
        return body, found
    return urlencode([(k, v) for k, v in pairs if k not in CREDENTIAL_PARAMS]).encode(), found


def _strip_json(body: bytes) -> tuple[bytes, list[Credential]]:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body, []  # not ours to judge: the service answers its own validation error
    if not isinstance(document, dict) or not any(name in document for name in CREDENTIAL_PARAMS):
        return body, []
    found = []
    for name in CREDENTIAL_PARAMS:
        if name in document:
            value = document.pop(name)
            if not isinstance(value, str):
                raise InvalidCredentials(f"`{name}` must be a string.")
            if value:
                found.append(Credential(_param_kind(name), value, "body"))
    return json.dumps(document, separators=(",", ":")).encode(), found


def cookie_header_without_session(cookies: Mapping[str, str]) -> str | None:
    """The cookies aiohttp parsed, minus `sesskey`, as a Cookie header (None when nothing is left).

    Rebuilt from aiohttp's own parse rather than by splitting the raw header: any
    spelling it reads as the session cookie (`sesskey =K`, `a=1 sesskey=K`) is
    then the one removed, so the key never travels on.
    """
    kept = [f"{name}={_cookie_value(value)}" for name, value in cookies.items() if name != SESSION_COOKIE]
    return "; ".join(kept) or None


def _cookie_value(value: str) -> str:
    if _PLAIN_COOKIE_VALUE.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
