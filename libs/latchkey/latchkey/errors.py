"""Errors are types; one middleware turns them into the family's envelope.

Domain code raises these. `error_middleware(envelope)` renders them as the
account API envelope (`{"success": false, "error": {...}}`) or as RFC 9457
problem+json with an extra `code`, and turns anything unexpected into a
generic 500 without a stack trace in the response.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from enum import Enum
from typing import Any

from aiohttp import web

log = logging.getLogger("latchkey.errors")


class LatchkeyError(Exception):
    status = 500
    code = "internal_error"
    message = "Something went wrong on our side."

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code

    def headers(self) -> dict[str, str]:
        return {}

    def extra(self) -> dict[str, Any]:
        return {}


class BadRequest(LatchkeyError):
    status = 400
    code = "bad_request"
    message = "The request could not be understood."


class ValidationFailed(LatchkeyError):
    status = 400
    code = "validation_failed"
    message = "Some fields are invalid."

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        super().__init__(message or "Invalid fields: " + ", ".join(sorted(fields)) + ".")
        self.fields = fields

    def extra(self) -> dict[str, Any]:
        return {"fields": self.fields}


class AmbiguousCredentials(LatchkeyError):
    status = 400
    code = "ambiguous_credentials"
    message = "The request carries credentials for different principals."


class Unauthenticated(LatchkeyError):
    status = 401
    code = "unauthenticated"
    message = "Authentication is required."


class InvalidCredentials(LatchkeyError):
    status = 401
    code = "invalid_credentials"
    message = "The credentials are not valid."


class SessionExpired(LatchkeyError):
    status = 401
    code = "session_expired"
    message = "The session has expired; sign in again."


class MfaRequired(LatchkeyError):
    """The password was right, and a second factor is due: `mfaToken` continues the sign-in (docs/api.md §8)."""

    status = 401
    code = "mfa_required"
    message = "Enter the code from your authenticator app."

    def __init__(self, message: str | None = None, *, mfa_token: str | None = None) -> None:
        super().__init__(message)
        self.mfa_token = mfa_token

    def extra(self) -> dict[str, Any]:
        return {"mfaToken": self.mfa_token} if self.mfa_token else {}


class Forbidden(LatchkeyError):
    status = 403
    code = "forbidden"
    message = "You are not allowed to do this."


class ForbiddenAuthMethod(Forbidden):
    code = "forbidden_auth_method"
    message = "This endpoint cannot be used with this kind of credential."


class CsrfRejected(Forbidden):
    code = "csrf_rejected"
    message = "Cross-site request refused."


class NotFound(LatchkeyError):
    status = 404
    code = "not_found"
    message = "Not found."


class MethodNotAllowed(LatchkeyError):
    status = 405
    code = "method_not_allowed"
    message = "Method not allowed."

    def __init__(self, allowed: Iterable[str] = (), message: str | None = None) -> None:
        super().__init__(message)
        self.allowed = sorted(set(allowed))

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)} if self.allowed else {}


class Conflict(LatchkeyError):
    status = 409
    code = "conflict"
    message = "The request conflicts with the current state."


class InvalidRefreshToken(Unauthenticated):
    code = "invalid_refresh_token"
    message = "This refresh token is used, expired or unknown."


class PayloadTooLarge(LatchkeyError):
    status = 413
    code = "payload_too_large"
    message = "The request body is too large."


class UnsupportedMediaType(LatchkeyError):
    status = 415
    code = "unsupported_media_type"
    message = "Send JSON or form-encoded data."


class RateLimited(LatchkeyError):
    status = 429
    code = "rate_limited"
    message = "Too many attempts; try again later."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class BadGateway(LatchkeyError):
    status = 502
    code = "bad_gateway"
    message = "An upstream service answered badly."


class ServiceUnavailable(LatchkeyError):
    status = 503
    code = "service_unavailable"
    message = "A service is unavailable; try again shortly."
    retry_after = 5  # an instance may carry the owner's own Retry-After

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class GatewayTimeout(LatchkeyError):
    status = 504
    code = "gateway_timeout"
    message = "An upstream service did not answer in time."

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "5"}


class Envelope(Enum):
    """The two error shapes of docs/api.md."""

    ACCOUNT = "account"  # /api/1/: {"success": false, "error": {...}}
    PROBLEM = "problem"  # organization and SSO APIs: application/problem+json


def render_error(error: LatchkeyError, envelope: Envelope) -> web.Response:
    headers = error.headers()
    if envelope is Envelope.ACCOUNT:
        body: dict[str, Any] = {"success": False, "error": {"code": error.code, "message": error.message, **error.extra()}}
        return web.json_response(body, status=error.status, headers=headers)
    problem = {
        "type": "about:blank",
        "title": error.message,
        "status": error.status,
        "code": error.code,
        **error.extra(),
    }
    return web.Response(
        text=json.dumps(problem),
        status=error.status,
        content_type="application/problem+json",
        headers=headers,
    )


_HTTP_TO_ERROR: dict[int, type[LatchkeyError]] = {
    400: BadRequest,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_middleware(envelope_for: Callable[[web.Request], Envelope]):
    """Render every error in the envelope `envelope_for(request)` picks."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except LatchkeyError as error:
            return render_error(error, envelope_for(request))
        except web.HTTPException as http_error:
            if http_error.status < 400:
                raise
            error_type = _HTTP_TO_ERROR.get(http_error.status, LatchkeyError)
            if isinstance(http_error, web.HTTPMethodNotAllowed):
                error: LatchkeyError = MethodNotAllowed(http_error.allowed_methods)
            else:
                error = error_type()
            if http_error.status not in _HTTP_TO_ERROR:
                error.status = http_error.status
            return render_error(error, envelope_for(request))
        except Exception:
            log.exception("unhandled error")
            return render_error(LatchkeyError(), envelope_for(request))

    return middleware


def envelope_by_path(request: web.Request) -> Envelope:
    """`/api/1/...` uses the account envelope; everything else problem+json."""
    return Envelope.ACCOUNT if request.path.startswith("/api/1/") else Envelope.PROBLEM


# The JSON Schema of what `render_error` writes as problem+json, for the
# services' OpenAPI documents (one definition, so they cannot drift apart).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
