"""OpenAPI 3.1 description of the oidc-link public routes (docs/api.md §4).

Hand-written to match `routes.py`; tests/oidc_link checks that every route is
described and that answers have the documented shapes.
"""

from __future__ import annotations

import copy
from typing import Any

from latchkey.errors import PROBLEM_SCHEMA
from latchkey.inputs import MAX_RETURN_TO_LENGTH

_PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {"schema": _PROBLEM}}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_PROVIDER = {"$ref": "#/components/schemas/SSOProvider"}
# What latchkey.inputs.safe_return_path accepts, as near as a pattern says it: empty, or a path on this site
# (percent-escapes that decode to `//` or a backslash are refused too, which no pattern says).
RETURN_PATH = {"type": "string", "maxLength": MAX_RETURN_TO_LENGTH, "pattern": r"^(/(?![/\\])[^\\\x00-\x1f\x7f]*)?$"}
_ISSUER = {
    "name": "issuer",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "Provider id from configuration.",
}
_INTERACTIVE = [{"session": []}]
_AUTH_ERRORS = {
    "401": _problem("No authenticated principal."),
    "403": _problem("`forbidden_auth_method`: API keys and Basic credentials cannot use the SSO API."),
}
_REDIRECT_NOTE = (
    "Redirects (303) to PUBLIC_URL + the return path with `sso=linked`, or with `sso_error=<code>` "
    "(invalid_state, access_denied, provider_error, token_exchange_failed, invalid_id_token, "
    "provider_unavailable, account_linked_elsewhere, provider_already_linked, not_linked, user_unavailable, mfa_required, "
    "service_unavailable). "
    "A sign-in sets the `sesskey` cookie; failed sign-ins go to /login."
)

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Latchkey SSO API (oidc-link)", "version": "1.0.0"},
    "paths": {
        "/api/v1/sso": {
            "post": {
                "summary": "Start linking an OpenID provider account to the signed-in user",
                "security": _INTERACTIVE,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["issuer"],
                                "properties": {
                                    "issuer": {"type": "string", "description": "Provider id."},
                                    "returnTo": {
                                        **RETURN_PATH,
                                        "type": ["string", "null"],
                                        "description": "Path on this site; default /account.",
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        "The provider authorization URL (carries state, nonce, PKCE S256).",
                        {"type": "object", "required": ["link"], "properties": {"link": {"type": "string", "format": "uri"}}},
                    ),
                    "400": _problem("`validation_failed`: unknown issuer (`fields.issuer = unknown_issuer`) or bad returnTo."),
                    "502": _problem("`provider_unavailable`: the provider's discovery could not be read."),
                    **_AUTH_ERRORS,
                },
            },
            "get": {
                "summary": "Providers linked by the signed-in user",
                "security": _INTERACTIVE,
                "responses": {"200": _json("Linked providers.", {"type": "array", "items": _PROVIDER}), **_AUTH_ERRORS},
            },
        },
        "/api/v1/sso/providers": {
            "get": {
                "summary": "Configured providers, for login buttons",
                "security": [],
                "responses": {"200": _json("Configured providers.", {"type": "array", "items": _PROVIDER})},
            }
        },
        "/api/v1/sso/callback": {
            "get": {
                "summary": "The provider's redirect back after authorization",
                "description": _REDIRECT_NOTE,
                "security": [],
                "parameters": [
                    {"name": "code", "in": "query", "schema": {"type": "string"}},
                    {"name": "state", "in": "query", "schema": {"type": "string"}},
                    {"name": "error", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"303": {"description": _REDIRECT_NOTE}},
            }
        },
        "/api/v1/sso/{issuer}": {
            "parameters": [_ISSUER],
            "get": {
                "summary": "One linked provider",
                "security": _INTERACTIVE,
                "responses": {"200": _json("The linked provider.", _PROVIDER), "404": _problem("`not_linked`."), **_AUTH_ERRORS},
            },
            "delete": {
                "summary": "Unlink a provider",
                "security": _INTERACTIVE,
                "responses": {
                    "204": {"description": "Unlinked."},
                    "404": _problem("`not_linked`."),
                    "409": _problem("`last_sign_in_method`: the user has no password and no other link."),
                    **_AUTH_ERRORS,
                },
            },
        },
        "/api/v1/sso/{issuer}/login": {
            "parameters": [_ISSUER],
            "get": {
                "summary": "Sign in with a linked provider account",
                "security": [],
                "parameters": [
                    {
                        "name": "return_to",
                        "in": "query",
                        "schema": RETURN_PATH,
                        "description": "Path on this site; default /.",
                    }
                ],
                "responses": {
                    "302": {"description": "To the provider's authorization endpoint."},
                    "400": _problem("`validation_failed`: unknown issuer or return_to not a path on this site."),
                    "502": _problem("`provider_unavailable`."),
                },
            }
        },
    },
    "components": {
        "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "sesskey"}},
        "schemas": {
            "SSOProvider": {
                "type": "object",
                "required": ["id", "name", "icon"],
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "icon": {"type": "string"}},
            },
            "Problem": PROBLEM_SCHEMA,
        },
    },
}


def document_for(provider_ids: list[str]) -> dict[str, Any]:
    """The document with `issuer` spelled as the configured provider ids: what the server accepts."""
    issuer = {"type": "string", "enum": provider_ids} if provider_ids else {"type": "string", "not": {}}
    document = copy.deepcopy(OPENAPI)
    for item in document["paths"].values():
        for parameter in item.get("parameters", ()):
            if parameter["name"] == "issuer":
                parameter["schema"] = issuer
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", ()):
                if parameter["name"] == "issuer":
                    parameter["schema"] = issuer
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if "issuer" in body.get("properties", {}):
                body["properties"]["issuer"] = {**issuer, "description": "Provider id."}
    return document
