"""OpenAPI 3.1 of the account self-service routes (docs/api.md §7), merged into `openapi.OPENAPI`."""

from __future__ import annotations

from typing import Any

from latchkey.security_events import EVENT_SCHEMA
from latchkey.user_fields import EMAIL_SCHEMA

from .openapi import _ALL_USER_CREDENTIALS, _UNAUTHENTICATED, _body, _error, _ok

_RATE_LIMITED = {"429": _error("`rate_limited`: too many mails asked for this email, account or address; see `Retry-After`.")}
_EMPTY = {"type": "object"}
_PAGE = [
    {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
    {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}, "description": "`nextCursor` of the previous page."},
]


def _strings(*names: str, **described: str) -> dict[str, Any]:
    """Required strings, non-empty as `inputs.strings` demands (the contract test holds them to it)."""
    return {
        "type": "object",
        "required": list(names),
        "properties": {
            name: {**_STRING_RULES.get(name, {"type": "string", "minLength": 1}),
                   **({"description": described[name]} if name in described else {})}
            for name in names
        },
    }


_STRING_RULES: dict[str, dict[str, Any]] = {"email": EMAIL_SCHEMA, "newPassword": {"type": "string", "minLength": 8, "maxLength": 1024}}


PATHS: dict[str, Any] = {
    "/api/1/auth/password-reset": {
        "post": {
            "summary": "Mail a single-use password reset link (30 minutes by default). The same 202 whatever the email.",
            "security": [],
            "requestBody": _body(_strings("email"), form=True),
            "responses": {
                "202": {"description": "Accepted (sent only if an account has this email)", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"success": {"const": True}, "data": _EMPTY}}}}},
                "400": _error("`validation_failed`: not an email address."),
                **_RATE_LIMITED,
            },
        }
    },
    "/api/1/auth/password-reset/confirm": {
        "post": {
            "summary": "Set a new password with the mailed token; every session and cached Basic credential of the user ends.",
            "security": [],
            "requestBody": _body(_strings("token", "newPassword", newPassword="At least 8 characters."), form=True),
            "responses": {
                "200": _ok(_EMPTY),
                "400": _error("`invalid_reset_token` (used, expired or unknown) or `validation_failed`."),
            },
        }
    },
    "/api/1/auth/email-verification/confirm": {
        "post": {
            "summary": "Mark the email verified with the mailed token.",
            "security": [],
            "requestBody": _body(_strings("token"), form=True),
            "responses": {
                "200": _ok({"type": "object", "required": ["email", "emailVerified"],
                            "properties": {"email": {"type": "string"}, "emailVerified": {"const": True}}}),
                "400": _error("`invalid_verification_token` (used, expired, unknown, or the email changed since)."),
            },
        }
    },
    "/api/1/users/me/email/verification": {
        "post": {
            "summary": "Mail a verification link to the user's email (nothing when already verified).",
            "security": _ALL_USER_CREDENTIALS,
            "responses": {
                "202": _ok("VerificationRequest"),
                "200": _ok("VerificationRequest"),
                **_UNAUTHENTICATED,
                "409": _error("`no_email`: the account has no email address."),
                **_RATE_LIMITED,
            },
        }
    },
    "/api/1/auth/sessions": {
        "get": {
            "summary": "The user's live sessions, newest first; `current` marks the one making the request.",
            "security": _ALL_USER_CREDENTIALS,
            "responses": {
                "200": _ok({"type": "object", "required": ["sessions"],
                            "properties": {"sessions": {"type": "array", "items": {"$ref": "#/components/schemas/SessionInfo"}}}}),
                **_UNAUTHENTICATED,
            },
        }
    },
    "/api/1/auth/sessions/{id}": {
        "delete": {
            "summary": "End one of the user's sessions (the id from the list).",
            "security": _ALL_USER_CREDENTIALS,
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": _ok({"type": "object", "properties": {"current": {"type": "boolean"}}}),
                **_UNAUTHENTICATED,
                "404": _error("`session_not_found`: no live session of this user has this id."),
            },
        }
    },
    "/api/1/users/me/events": {
        "get": {
            "summary": "The user's security log, newest first.",
            "security": _ALL_USER_CREDENTIALS,
            "parameters": _PAGE,
            "responses": {
                "200": _ok({"type": "object", "required": ["events", "nextCursor"], "properties": {
                    "events": {"type": "array", "items": {"$ref": "#/components/schemas/SecurityEvent"}},
                    "nextCursor": {"type": ["string", "null"]}}}),
                "400": _error("`validation_failed`: a bad `limit` or `cursor`."),
                **_UNAUTHENTICATED,
            },
        }
    },
}

SCHEMAS: dict[str, Any] = {
    "VerificationRequest": {
        "type": "object",
        "required": ["sent", "alreadyVerified"],
        "properties": {"sent": {"type": "boolean"}, "alreadyVerified": {"type": "boolean"}},
    },
    "SessionInfo": {
        "type": "object",
        "required": ["id", "current", "createdAt", "lastSeenAt", "expiresAt", "ip", "userAgent", "methods"],
        "properties": {
            "id": {"type": "string"},
            "current": {"type": "boolean"},
            "createdAt": {"type": "string", "format": "date-time"},
            "lastSeenAt": {"type": "string", "format": "date-time"},
            "expiresAt": {"type": "string", "format": "date-time", "description": "The absolute expiry."},
            "ip": {"type": ["string", "null"]},
            "userAgent": {"type": ["string", "null"], "description": "A short description, e.g. 'Chrome on macOS'."},
            "methods": {"type": "array", "items": {"type": "string"}},
        },
    },
    "SecurityEvent": EVENT_SCHEMA,
}
