"""OpenAPI 3.1 description of the account API (docs/api.md §2), served at `GET /openapi.json`.

Hand-written to match `routes.py` (every `/api/1/` route is also served with a
trailing slash); the gateway merges it into `/api/openapi.json`.
tests/session/test_openapi.py checks it against the route table and real answers.
"""

from __future__ import annotations

from typing import Any

_ALL_USER_CREDENTIALS = [
    {"sessionCookie": []}, {"sessionQuery": []}, {"sessionBearer": []}, {"basic": []}, {"apiKeyHeader": []}, {"apiKeyQuery": []},
]
_NOT_API_KEYS = [{"sessionCookie": []}, {"sessionQuery": []}, {"sessionBearer": []}, {"basic": []}]
_SESSIONS = [{"sessionCookie": []}, {"sessionQuery": []}, {"sessionBearer": []}]


def _ok(data: dict[str, Any] | str) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{data}"} if isinstance(data, str) else data
    envelope = {
        "type": "object",
        "required": ["success", "data"],
        "properties": {"success": {"const": True}, "data": schema},
    }
    return {"description": "OK", "content": {"application/json": {"schema": envelope}}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AccountError"}}}}


def _body(schema: dict[str, Any], *, form: bool = False) -> dict[str, Any]:
    content = {"application/json": {"schema": schema}}
    if form:
        content["application/x-www-form-urlencoded"] = {"schema": schema}
    return {"required": True, "content": content}


_UNAUTHENTICATED = {"401": _error("`unauthenticated`, `session_expired` or `invalid_credentials`.")}
_NO_API_KEYS = {**_UNAUTHENTICATED, "403": _error("`forbidden_auth_method`: not with an API key.")}
_LOGIN_BODY = {
    "type": "object",
    "required": ["email", "password"],
    "properties": {"email": {"type": "string", "minLength": 1}, "password": {"type": "string", "minLength": 1}},
}
_PASSWORD_BODY = {
    "type": "object",
    "required": ["newPassword"],
    "properties": {
        "currentPassword": {"type": "string", "description": "Required when the user already has a password."},
        "newPassword": {"type": "string", "minLength": 8},
    },
}

_INTERACTIVE = {**_UNAUTHENTICATED, "403": _error("`forbidden_auth_method`: needs an interactive session (not Basic or an API key).")}
_MFA_LOGIN_BODY = {
    "type": "object",
    "required": ["mfaToken", "code"],
    "properties": {
        "mfaToken": {
            "type": "string", "minLength": 1, "description": "`error.mfaToken` of the password step's 401 `mfa_required`."
        },
        "code": {
            "type": "string", "minLength": 1, "description": "The 6-digit code of the authenticator app, or an unused recovery code."
        },
    },
}
_CODE_BODY = {"type": "object", "required": ["code"], "properties": {"code": {"type": "string", "minLength": 1, "description": "6 digits"}}}
_DISABLE_BODY = {
    "type": "object",
    "required": ["code"],
    "properties": {
        "password": {"type": "string", "description": "Required when the user has a password."},
        "code": {"type": "string", "minLength": 1, "description": "A current code or an unused recovery code."},
    },
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Latchkey account API (session)", "version": "1.0.0"},
    "paths": {
        "/api/1/auth/session": {
            "post": {
                "summary": "Log in with email and password; sets the `sesskey` cookie. A new session every time.",
                "security": [],
                "requestBody": _body(_LOGIN_BODY, form=True),
                "responses": {
                    "200": _ok("Login"),
                    "400": _error("`validation_failed` naming the missing fields."),
                    "401": _error(
                        "`invalid_credentials`, the same for an unknown email and a wrong password; `mfa_required` with "
                        "`error.mfaToken` (single use, 5 minutes) when the user has two-factor sign-in: continue at "
                        "`POST /api/1/auth/session/mfa`."
                    ),
                    "429": _error("`rate_limited`: too many failures for this email or address; see `Retry-After`."),
                },
            },
            "get": {
                "summary": "The current session: user, expiry if idle, authentication time, methods.",
                "security": _ALL_USER_CREDENTIALS,
                "responses": {"200": _ok("CurrentSession"), **_UNAUTHENTICATED},
            },
            "delete": {
                "summary": "Log out: this session ends and the cookie is cleared.",
                "security": _SESSIONS,
                "responses": {"200": _ok({"type": "object"}), **_UNAUTHENTICATED},
            },
        },
        "/api/1/auth/sessions": {
            "delete": {
                "summary": "Log out everywhere: every session of this user ends.",
                "security": _NOT_API_KEYS,
                "responses": {
                    "200": _ok({"type": "object", "required": ["ended"], "properties": {"ended": {"type": "integer"}}}),
                    **_UNAUTHENTICATED,
                },
            }
        },
        "/api/1/users/me": {
            "get": {"summary": "The signed-in user.", "security": _ALL_USER_CREDENTIALS, "responses": {"200": _ok("User"), **_UNAUTHENTICATED}}
        },
        "/api/1/users/me/apikey": {
            "get": {"summary": "The user's API key.", "security": _NOT_API_KEYS, "responses": {"200": _ok("ApiKey"), **_NO_API_KEYS}},
            "post": {
                "summary": "A new API key; the old one stops working at once.",
                "security": _NOT_API_KEYS,
                "responses": {"200": _ok("ApiKey"), **_NO_API_KEYS},
            },
        },
        "/api/1/auth/session/mfa": {
            "post": {
                "summary": "The second step of a password login: answers exactly like a successful login.",
                "security": [],
                "requestBody": _body(_MFA_LOGIN_BODY, form=True),
                "responses": {
                    "200": _ok("Login"),
                    "400": _error("`validation_failed` naming the missing fields."),
                    "401": _error("`invalid_mfa_code` (wrong or already used; the token stays usable) or `invalid_mfa_token`."),
                    "429": _error("`rate_limited`: too many failures for this user or address; see `Retry-After`."),
                },
            }
        },
        "/api/1/users/me/mfa": {
            "get": {
                "summary": "Whether two-factor sign-in is on, and how many recovery codes are left.",
                "security": _ALL_USER_CREDENTIALS,
                "responses": {"200": _ok("MfaStatus"), **_UNAUTHENTICATED},
            }
        },
        "/api/1/users/me/mfa/totp": {
            "post": {
                "summary": "Start setting up an authenticator app: a new secret, not active until confirmed.",
                "security": _SESSIONS,
                "responses": {
                    "200": _ok("TotpEnrolment"),
                    **_INTERACTIVE,
                    "409": _error("`mfa_already_enabled`."),
                },
            },
            "delete": {
                "summary": "Turn two-factor sign-in off (password and a code).",
                "security": _SESSIONS,
                "requestBody": _body(_DISABLE_BODY),
                "responses": {
                    "200": _ok({"type": "object"}),
                    "400": _error("`validation_failed` naming `password` or `code`."),
                    **_INTERACTIVE,
                    "409": _error("`mfa_not_enabled`."),
                    "429": _error("`rate_limited`: too many wrong passwords or codes."),
                },
            },
        },
        "/api/1/users/me/mfa/totp/confirm": {
            "post": {
                "summary": "Turn two-factor on with the app's first code; answers the 10 recovery codes, shown only now.",
                "security": _SESSIONS,
                "requestBody": _body(_CODE_BODY),
                "responses": {
                    "200": _ok("RecoveryCodes"),
                    "400": _error("`validation_failed`: `code` is not the app's current code."),
                    **_INTERACTIVE,
                    "409": _error("`mfa_not_pending`: no setup started."),
                },
            }
        },
        "/api/1/users/me/password": {
            "put": {
                "summary": "Change the password; every other session and cached Basic credential ends.",
                "security": _NOT_API_KEYS,
                "requestBody": _body(_PASSWORD_BODY),
                "responses": {
                    "200": _ok({"type": "object", "properties": {"endedSessions": {"type": "integer"}}}),
                    "400": _error("`validation_failed` naming `currentPassword` or `newPassword`."),
                    **_NO_API_KEYS,
                    "429": _error("`rate_limited`: too many wrong current passwords."),
                },
            }
        },
    },
    "components": {
        "schemas": {
            "AccountError": {
                "type": "object",
                "required": ["success", "error"],
                "properties": {
                    "success": {"const": False},
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                        },
                    },
                },
            },
            "Login": {
                "type": "object",
                "required": ["sesskey", "userid", "email", "name", "role", "partnerid"],
                "properties": {
                    "sesskey": {"type": "string"},
                    "userid": {"type": "integer"},
                    "email": {"type": "string"},
                    "name": {"type": "string"},
                    "role": {"type": "string"},
                    "partnerid": {"type": "integer", "description": "0 for a user outside any organization."},
                },
            },
            "User": {
                "type": "object",
                "required": ["userid", "email", "name", "role", "partnerid", "userName", "picture", "emailVerified"],
                "properties": {
                    "userid": {"type": "integer"},
                    "email": {"type": "string"},
                    "name": {"type": "string"},
                    "role": {"type": "string"},
                    "partnerid": {"type": "integer"},
                    "userName": {"type": ["string", "null"]},
                    "picture": {"type": ["string", "null"]},
                    "emailVerified": {"type": "boolean"},
                },
            },
            "CurrentSession": {
                "type": "object",
                "required": ["user", "expiresAt", "absoluteExpiresAt", "authenticatedAt", "methods"],
                "properties": {
                    "user": {"$ref": "#/components/schemas/User"},
                    "expiresAt": {"type": ["string", "null"], "format": "date-time", "description": "When it ends if left idle."},
                    "absoluteExpiresAt": {"type": ["string", "null"], "format": "date-time"},
                    "authenticatedAt": {"type": ["string", "null"], "format": "date-time"},
                    "methods": {"type": "array", "items": {"type": "string"}, "description": "pwd, org_sso, oidc, basic..."},
                },
            },
            "ApiKey": {"type": "object", "required": ["apikey"], "properties": {"apikey": {"type": "string"}}},
            "MfaStatus": {
                "type": "object",
                "required": ["totp"],
                "properties": {
                    "totp": {
                        "type": "object",
                        "required": ["enabled", "pending", "recoveryCodesLeft"],
                        "properties": {
                            "enabled": {"type": "boolean"},
                            "pending": {"type": "boolean", "description": "Set up started, not confirmed yet."},
                            "recoveryCodesLeft": {"type": "integer"},
                        },
                    }
                },
            },
            "TotpEnrolment": {
                "type": "object",
                "required": ["secret", "otpauthUri", "qrSvg"],
                "properties": {
                    "secret": {"type": "string", "description": "base32, for typing into the app"},
                    "otpauthUri": {"type": "string"},
                    "qrSvg": {"type": "string", "description": "the otpauth URI as an SVG QR code"},
                },
            },
            "RecoveryCodes": {
                "type": "object",
                "required": ["recoveryCodes"],
                "properties": {"recoveryCodes": {"type": "array", "items": {"type": "string"}, "minItems": 10, "maxItems": 10}},
            },
        }
    },
}


def _with_parts(document: dict[str, Any], *parts: Any) -> dict[str, Any]:
    """The routes other modules describe (they reuse the helpers above), merged path by path."""
    for part in parts:
        for path, operations in part.PATHS.items():
            document["paths"].setdefault(path, {}).update(operations)
        document["components"]["schemas"].update(getattr(part, "SCHEMAS", {}))
    return document


from . import openapi_lifecycle, openapi_self_service  # noqa: E402 - they import the helpers above

OPENAPI = _with_parts(OPENAPI, openapi_lifecycle, openapi_self_service)
