"""OpenAPI 3.1 description of this service's public routes (the gateway merges it).

Hand-written to match routes.py and handlers.py; tests check that every
public route is described and that the shapes match real answers.
"""

from __future__ import annotations

from typing import Any

from latchkey.errors import PROBLEM_SCHEMA
from latchkey.security_events import EVENT_SCHEMA
from latchkey.user_fields import EMAIL_SCHEMA, NAME_SCHEMA, PICTURE_SCHEMA, ROLES

from .users import MAX_LIMIT

_SELF_DELETION = (
    "the organization's users may delete their own account (DELETE /api/1/users/me);"
    " off (the default), only the organization deletes them"
)
_PROBLEM = {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _json(schema_name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": _content(schema_name)}


def _content(schema_name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}


def _errors(*statuses: int) -> dict[str, Any]:
    reasons = {
        400: "Invalid input (`validation_failed` names each field)",
        401: "Not authenticated",
        403: "`forbidden` (another organization, not an admin) or `forbidden_auth_method`",
        404: "Unknown organization or user",
        409: "Conflict (`email_taken`, `user_disabled`)",
    }
    return {str(status): {"description": reasons[status], **_PROBLEM} for status in statuses}


def _path_parameter(name: str, pattern: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": pattern}}


_ORG_ID = _path_parameter("orgId", "^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$")
_USER_NAME = _path_parameter("userName", "^[A-Za-z0-9._-]{1,64}$")
_ORG_KEY = [{"orgKey": [], "orgId": []}]
_READER = [{"orgKey": [], "orgId": []}, {"session": []}]
_ADMIN = [{"session": []}]

_USER = {
    "type": "object",
    "required": ["id", "userName", "name", "role", "picture", "email", "orgId", "createdAt", "updatedAt"],
    "properties": {
        "id": {"type": "integer"},
        "userName": {"type": ["string", "null"], "description": "null for a user not provisioned by the organization"},
        "name": {"type": "string"},
        "role": {"type": "string", "enum": list(ROLES)},
        "picture": {"type": ["string", "null"], "format": "uri"},
        "email": {"type": ["string", "null"], "format": "email"},
        "orgId": {"type": "string"},
        "createdAt": {"type": "string", "format": "date-time"},
        "updatedAt": {"type": "string", "format": "date-time"},
    },
}

_SCHEMAS = {
    "Problem": PROBLEM_SCHEMA,
    "SecurityEvent": EVENT_SCHEMA,
    "EventPage": {
        "type": "object",
        "required": ["events", "nextCursor"],
        "properties": {
            "events": {"type": "array", "items": {"$ref": "#/components/schemas/SecurityEvent"}},
            "nextCursor": {"type": ["string", "null"]},
        },
    },
    "OrganizationUser": _USER,
    "UserUpdate": {
        "type": "object",
        "description": "Every field is optional, on create too (a user without an email signs in through the handoff or OIDC).",
        "properties": {
            "name": NAME_SCHEMA,
            "role": {"type": "string", "enum": list(ROLES)},
            "picture": PICTURE_SCHEMA,
            "email": EMAIL_SCHEMA,
        },
    },
    "UserPage": {
        "type": "object",
        "required": ["users", "nextCursor"],
        "properties": {
            "users": {"type": "array", "items": {"$ref": "#/components/schemas/OrganizationUser"}},
            "nextCursor": {"type": ["string", "null"]},
        },
    },
    "RefreshToken": {
        "type": "object",
        "required": ["refreshToken", "expiresIn", "loginUrl"],
        "properties": {
            "refreshToken": {"type": "string"},
            "expiresIn": {"type": "integer", "description": "seconds"},
            "loginUrl": {"type": "string", "format": "uri"},
        },
    },
    "SessionFromRefreshToken": {
        "type": "object",
        "required": ["sessionToken", "expiresIn", "user"],
        "properties": {
            "sessionToken": {"type": "string", "description": "a sesskey"},
            "expiresIn": {"type": "integer"},
            "user": {"$ref": "#/components/schemas/OrganizationUser"},
        },
    },
    "OrganizationSettings": {
        "type": "object",
        "required": ["orgId", "name", "authRedirectUrl", "usersMayDeleteThemselves"],
        "properties": {
            "orgId": {"type": "string"},
            "name": {"type": "string"},
            "authRedirectUrl": {"type": ["string", "null"], "format": "uri"},
            "usersMayDeleteThemselves": {"type": "boolean", "description": _SELF_DELETION},
        },
    },
    "OwnOrganization": {
        "type": "object",
        "required": ["id", "orgId", "name", "admin"],
        "properties": {
            "id": {"type": "integer", "description": "the users' partnerid"},
            "orgId": {"type": "string"},
            "name": {"type": "string"},
            "admin": {"type": "boolean", "description": "the caller is an ADMIN of it (may open its settings)"},
        },
    },
    "SettingsChange": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "authRedirectUrl": {
                "type": ["string", "null"],
                "format": "uri",
                "description": "https (http only for localhost); no user info, no fragment",
            },
            "usersMayDeleteThemselves": {"type": "boolean", "description": _SELF_DELETION},
        },
    },
    "RefreshTokenExchange": {
        "type": "object",
        "required": ["refreshToken"],
        "properties": {"refreshToken": {"type": "string"}},
    },
    "OrganizationApiKey": {"type": "object", "required": ["apiKey"], "properties": {"apiKey": {"type": "string"}}},
}


def _op(
    summary: str, security: list, responses: dict[str, Any], *, body: str | None = None, parameters: list | None = None
) -> dict[str, Any]:
    operation: dict[str, Any] = {"tags": ["organization"], "summary": summary, "security": security, "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {"required": False, "content": _content(body)}
    return operation


_PAGE_PARAMETERS = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50}},
    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
]

PATHS = {
    "/api/organization/{orgId}/user/{userName}/update": {
        "parameters": [_ORG_ID, _USER_NAME],
        "post": _op(
            "Create (201) or update (200) a user of the organization",
            _ORG_KEY,
            {
                "200": _json("OrganizationUser", "Updated"),
                "201": _json("OrganizationUser", "Created"),
                **_errors(400, 401, 403, 404, 409),
            },
            body="UserUpdate",
        ),
    },
    "/api/organization/{orgId}/user/{userName}/generate-token": {
        "parameters": [_ORG_ID, _USER_NAME],
        "post": _op(
            "Issue a single-use, short-lived refresh token for the user",
            _ORG_KEY,
            {"201": _json("RefreshToken", "Issued"), **_errors(400, 401, 403, 404, 409)},
        ),
    },
    "/api/organization/{orgId}/users": {
        "parameters": [_ORG_ID],
        "get": _op(
            "List the organization's users",
            _READER,
            {"200": _json("UserPage", "A page"), **_errors(400, 401, 403, 404)},
            parameters=_PAGE_PARAMETERS,
        ),
    },
    "/api/organization/{orgId}/user/{userName}": {
        "parameters": [_ORG_ID, _USER_NAME],
        "get": _op("Read one user", _READER, {"200": _json("OrganizationUser", "The user"), **_errors(400, 401, 403, 404)}),
        "delete": _op(
            "Deprovision the user: the user and all its sessions end",
            _ORG_KEY,
            {"204": {"description": "Deleted"}, **_errors(400, 401, 403, 404)},
        ),
    },
    "/api/organizations/mine": {
        "get": _op(
            "The caller's own organization (its slug and name, for showing it)",
            [{"session": []}],
            {"200": _json("OwnOrganization", "The organization"), **_errors(401, 404)},
        ),
    },
    "/api/organization/{orgId}/settings": {
        "parameters": [_ORG_ID],
        "get": _op("Organization settings", _ADMIN, {"200": _json("OrganizationSettings", "Settings"), **_errors(401, 403, 404)}),
        "patch": _op(
            "Change the name or authRedirectUrl",
            _ADMIN,
            {"200": _json("OrganizationSettings", "Settings"), **_errors(400, 401, 403, 404)},
            body="SettingsChange",
        ),
    },
    "/api/organization/{orgId}/integrations": {
        "parameters": [_ORG_ID],
        "get": _op(
            "Show the organization API key", _ADMIN, {"200": _json("OrganizationApiKey", "The key"), **_errors(401, 403, 404)}
        ),
    },
    "/api/organization/{orgId}/integrations/api-key": {
        "parameters": [_ORG_ID],
        "post": _op(
            "Rotate the organization API key; the old key stops working at once",
            _ADMIN,
            {"200": _json("OrganizationApiKey", "The new key"), **_errors(401, 403, 404)},
        ),
    },
    "/api/organization/{orgId}/events": {
        "parameters": [_ORG_ID],
        "get": _op(
            "The organization's security log, newest first: provisioning, generate-token, handoffs, key rotation, settings",
            _ADMIN,
            {"200": _json("EventPage", "A page"), **_errors(400, 401, 403, 404)},
            parameters=_PAGE_PARAMETERS,
        ),
    },
    "/api/auth/refresh-token": {
        "post": {
            "tags": ["organization"],
            "summary": "Exchange a refresh token for a session (single use)",
            "security": [],
            "requestBody": {
                "required": True,
                "content": _content("RefreshTokenExchange"),
            },
            "responses": {
                "200": _json("SessionFromRefreshToken", "A new session (amr org_sso)"),
                "401": {"description": "`invalid_refresh_token`: used, expired or unknown", **_PROBLEM},
            },
        },
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Latchkey organization API", "version": "1.0.0"},
    "paths": PATHS,
    "components": {
        "schemas": _SCHEMAS,
        "securitySchemes": {
            "orgId": {"type": "apiKey", "in": "header", "name": "x-org-id"},
            "orgKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
            "session": {"type": "apiKey", "in": "cookie", "name": "sesskey"},
        },
    },
}
