"""OpenAPI 3.1 of the account lifecycle routes (sign-up, profile, email change, deletion), merged into `openapi.OPENAPI`."""

from __future__ import annotations

from typing import Any

from .openapi import _NO_API_KEYS, _NOT_API_KEYS, _body, _error, _ok

_PROFILE_BODY = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "picture": {"type": ["string", "null"], "format": "uri", "description": "http(s) URL; null or \"\" removes it."},
    },
    "additionalProperties": False,
}
_PASSWORD_CONFIRMATION = {
    "type": "object",
    "required": ["password"],
    "properties": {"password": {"type": "string", "description": "The current password, asked again."}},
}

PATHS: dict[str, Any] = {
    "/api/1/users/me": {
        "patch": {
            "summary": "Change the signed-in user's name or picture (validated like provisioning).",
            "security": _NOT_API_KEYS,
            "requestBody": _body(_PROFILE_BODY),
            "responses": {"200": _ok("User"), "400": _error("`validation_failed` naming each bad field."), **_NO_API_KEYS},
        },
        "delete": {
            "summary": "Delete the account: the user, every session, the API key and every OpenID link. Not for users provisioned by an organization.",
            "security": _NOT_API_KEYS,
            "requestBody": _body(_PASSWORD_CONFIRMATION),
            "responses": {
                "200": _ok({"type": "object", "properties": {"deleted": {"const": True}}}),
                "400": _error("`validation_failed`: `password` missing or wrong."),
                **_NO_API_KEYS,
                "403": _error("`forbidden_auth_method` (API key), or `managed_by_organization`: the organization deletes this user."),
                "429": _error("`rate_limited`: too many wrong passwords."),
                "503": _error("`service_unavailable`: the account links could not be removed; nothing was deleted."),
            },
        },
    },
}
