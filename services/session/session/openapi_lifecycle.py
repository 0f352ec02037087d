"""OpenAPI 3.1 of the account lifecycle routes (sign-up, profile, email change, deletion), merged into `openapi.OPENAPI`."""

from __future__ import annotations

from typing import Any

from latchkey.user_fields import EMAIL_SCHEMA, NAME_SCHEMA, PICTURE_SCHEMA

from .openapi import _NO_API_KEYS, _NOT_API_KEYS, _body, _error, _ok

_PROFILE_BODY = {
    "type": "object",
    "properties": {
        "name": NAME_SCHEMA,
        "picture": {"anyOf": [PICTURE_SCHEMA, {"const": ""}], "description": "http(s) URL; null or \"\" removes it."},
    },
    "additionalProperties": False,
    "minProperties": 1,  # a change of name or picture, or it is 400
}
_PASSWORD_CONFIRMATION = {
    "type": "object",
    "required": ["password"],
    "properties": {
        "password": {"type": "string", "description": "The current password, asked again."},
        "code": {"type": "string", "description": "With two-factor on: a current authenticator code or an unused recovery code."},
    },
}

_SIGNUP_BODY = {
    "type": "object",
    "required": ["email", "password"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "password": {"type": "string", "minLength": 8},
        "name": {"type": "string", "maxLength": 200, "description": "Defaults to the part of the email before @."},
    },
}
_EMAIL_CHANGE_BODY = {
    "type": "object",
    "required": ["newEmail", "password"],
    "properties": {"newEmail": EMAIL_SCHEMA, "password": {"type": "string", "minLength": 1}},
}
_TOKEN_BODY = {"type": "object", "required": ["token"], "properties": {"token": {"type": "string", "minLength": 1}}}

PATHS: dict[str, Any] = {
    "/api/1/users": {
        "post": {
            "summary": "Sign up (when SIGNUP_ENABLED). The same 202 whether or not the email has an account; "
            "a new account gets a verification mail, a taken address a notice.",
            "security": [],
            "requestBody": _body(_SIGNUP_BODY, form=True),
            "responses": {
                "202": _ok({"type": "object", "properties": {"verificationRequired": {"type": "boolean"}}}),
                "400": _error("`validation_failed` naming `email`, `password` or `name`."),
                "404": _error("`signup_disabled`: accounts are not created by sign-up here."),
                "429": _error("`rate_limited`: too many sign-ups for this email or address; see `Retry-After`."),
            },
        }
    },
    "/api/1/users/me/email": {
        "post": {
            "summary": "Ask to change the email: a link to the new address, a notice to the old one. "
            "The email changes when the link is followed; other sessions then end.",
            "security": _NOT_API_KEYS,
            "requestBody": _body(_EMAIL_CHANGE_BODY, form=True),
            "responses": {
                "202": _ok({"type": "object"}),
                "400": _error("`validation_failed` naming `newEmail` or `password`."),
                **_NO_API_KEYS,
                "429": _error("`rate_limited`: too many mails or wrong passwords."),
            },
        }
    },
    "/api/1/auth/email-change/confirm": {
        "post": {
            "summary": "Follow the link mailed to the new address: the email changes, cached Basic with the old one stops.",
            "security": [],
            "requestBody": _body(_TOKEN_BODY, form=True),
            "responses": {
                "200": _ok({"type": "object", "properties": {"email": {"type": "string"}}}),
                "400": _error("`invalid_email_change_token`: used, expired, unknown, voided by a password change, or the address is taken."),
            },
        }
    },
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
                "400": _error("`validation_failed`: `password` missing or wrong, or (two-factor on) `code` missing or wrong."),
                **_NO_API_KEYS,
                "403": _error(
                    "`forbidden_auth_method` (API key), or `managed_by_organization`: the organization deletes this user"
                    " (unless its `usersMayDeleteThemselves` setting is on)."
                ),
                "429": _error("`rate_limited`: too many wrong passwords."),
                "503": _error("`service_unavailable`: oidc-link or org-provisioning did not answer; nothing was deleted."),
            },
        },
    },
}
