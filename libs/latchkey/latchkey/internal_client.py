"""Calling another service's `/internal/` routes with our own signed token.

Upstream errors come back as the same typed error (`NotFound`, `Forbidden`,
`Conflict`, `ValidationFailed` with its fields, `RateLimited` with its
Retry-After...; status, code and message kept), so a caller catches them with
plain `except` clauses and a domain function raises exactly what the owner
raised. An unreachable owner is 503, a slow one 504.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from . import logs
from .errors import (
    AmbiguousCredentials,
    BadGateway,
    BadRequest,
    Conflict,
    CsrfRejected,
    Forbidden,
    ForbiddenAuthMethod,
    GatewayTimeout,
    InvalidCredentials,
    InvalidRefreshToken,
    LatchkeyError,
    MethodNotAllowed,
    MfaRequired,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServiceUnavailable,
    SessionExpired,
    Unauthenticated,
    UnsupportedMediaType,
    ValidationFailed,
)
from .tokens import TokenSigner


class ServiceClient:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        signer: TokenSigner,
        service: str,
        base_urls: tuple[str, ...],
        *,
        timeout: float = 3.0,
    ) -> None:
        self._http = http
        self._signer = signer
        self._service = service
        self._base_urls = base_urls
        self._next = 0
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 2.0))

    async def call(self, method: str, path: str, *, json_body: Any = None, params: dict[str, str] | None = None) -> tuple[int, Any]:
        """Call `path` on one instance (round robin, skipping refused ones); returns (status, JSON)."""
        headers = {"Authorization": "Bearer " + self._signer.service_token(self._service)}
        rid = logs.request_id.get()
        if rid:
            headers["X-Request-ID"] = rid
        last_error: Exception | None = None
        for _ in range(len(self._base_urls)):
            base = self._base_urls[self._next % len(self._base_urls)]
            self._next += 1
            try:
                async with self._http.request(
                    method, base + path, json=json_body, params=params, headers=headers, timeout=self._timeout
                ) as response:
                    text = await response.text()
                    body = json.loads(text) if text else None
                    if response.status >= 400:
                        raise upstream_error(response.status, body, response.headers.get("Retry-After"))
                    return response.status, body
            except aiohttp.ClientConnectionError as exc:
                if isinstance(exc, aiohttp.ServerTimeoutError):
                    raise GatewayTimeout() from None
                last_error = exc
            except asyncio.TimeoutError:
                raise GatewayTimeout() from None
        raise ServiceUnavailable(f"The {self._service} service is unavailable.") from last_error


# What a caller catches for "the owner is down, slow or broken" (5xx of any kind).
OWNER_FAILED = (BadGateway, ServiceUnavailable, GatewayTimeout)

# The owner's answer names its error by status and code; these are rebuilt as the same class.
_BY_STATUS: dict[int, type[LatchkeyError]] = {
    cls.status: cls
    for cls in (
        BadRequest, Unauthenticated, Forbidden, NotFound, MethodNotAllowed, Conflict, PayloadTooLarge,
        UnsupportedMediaType, BadGateway, GatewayTimeout,
    )
}
_BY_CODE: dict[tuple[int, str], type[LatchkeyError]] = {
    (cls.status, cls.code): cls
    for cls in (
        AmbiguousCredentials, InvalidCredentials, SessionExpired, InvalidRefreshToken, ForbiddenAuthMethod, CsrfRejected,
        MfaRequired,  # a right password of a two-factor user: the gateway answers it to the Basic client as it is
    )
}


def upstream_error(status: int, body: Any, retry_after: str | None = None) -> LatchkeyError:
    """The owner's error answer as the typed error it raised (a service-specific code is kept on the base class)."""
    body = body if isinstance(body, dict) else {}
    code = body.get("code") if isinstance(body.get("code"), str) else None
    message = body.get("title") or body.get("detail")
    message = message if isinstance(message, str) else None
    fields = body.get("fields")
    seconds = int(retry_after) if retry_after and len(retry_after) <= 6 and retry_after.isascii() and retry_after.isdigit() else None
    error: LatchkeyError
    if isinstance(fields, dict):
        error = ValidationFailed({str(k): str(v) for k, v in fields.items()}, message)
        error.status = status
    elif status == 429:
        error = RateLimited(seconds or 1, message)
    elif status == 503:
        error = ServiceUnavailable(message)
        error.retry_after = seconds or ServiceUnavailable.retry_after
    else:
        # Any other 5xx is the owner failing: to its caller, a bad gateway (the owner's status kept).
        fallback = BadGateway if status >= 500 else LatchkeyError
        error_type = _BY_CODE.get((status, code or "")) or _BY_STATUS.get(status, fallback)
        error = error_type(message)
        error.status = status
    if code:
        error.code = code
    return error
