"""The combined OpenAPI 3.1 document at `/api/openapi.json`.

Each service describes its own routes at `GET /openapi.json`; the gateway
merges their public paths (only what it routes: `/api/...`, never
`/internal/...`) and components, adds the credentials of docs/api.md §1 as
security schemes, and states on each operation the credentials the gateway's
policy table really accepts there. The operator's routes file is described
too (what each route needs; the upstream's answers are its own). A service
that is down or has no document is left out rather than failing the whole document.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any


from latchkey.errors import Envelope, LatchkeyError

from .policy import POLICIES, Access, RoutePolicy
from .upstreams import Upstream

FETCH_TIMEOUT = 3.0
SECURITY_SCHEMES = {
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "sesskey"},
    "sessionQuery": {"type": "apiKey", "in": "query", "name": "sesskey"},
    "sessionBearer": {"type": "http", "scheme": "bearer"},
    "basic": {"type": "http", "scheme": "basic"},
    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "apiKeyQuery": {"type": "apiKey", "in": "query", "name": "apikey"},
    "orgId": {"type": "apiKey", "in": "header", "name": "x-org-id"},
    "orgKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
}


async def _document_of(upstream: Upstream) -> dict[str, Any] | None:
    try:
        document = await asyncio.wait_for(upstream.get_json("/openapi.json"), FETCH_TIMEOUT)
    except (LatchkeyError, ValueError, asyncio.TimeoutError):  # the forwarding client raises only these
        return None
    return document if isinstance(document, dict) else None


def merge(documents: list[dict[str, Any]], public_url: str, operator_routes: tuple[RoutePolicy, ...] = ()) -> dict[str, Any]:
    combined: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Latchkey", "version": "1", "description": "Account, organization and SSO APIs behind one gateway."},
        "servers": [{"url": public_url}],
        "paths": {},
        "components": {"securitySchemes": dict(SECURITY_SCHEMES)},
    }
    for document in documents:
        for path, item in (document.get("paths") or {}).items():
            if path.startswith("/api/"):
                combined["paths"].setdefault(path, {}).update(item)
        for section, entries in (document.get("components") or {}).items():
            if isinstance(entries, dict):
                combined["components"].setdefault(section, {}).update(entries)
    for policy in POLICIES:
        operation = combined["paths"].get(policy.path, {}).get(policy.method.lower())
        if isinstance(operation, dict):
            operation["security"] = accepted_credentials(policy)
            responses = operation.setdefault("responses", {})
            for status, response in gateway_answers(policy, has_body="requestBody" in operation).items():
                responses.setdefault(status, response)
    for policy in operator_routes:
        path = _PARAMETER.sub(r"{\1}", policy.path)  # aiohttp's `{id:regex}` is OpenAPI's `{id}`
        for method in _METHODS if policy.method == "*" else (policy.method.lower(),):
            combined["paths"].setdefault(path, {})[method] = operator_operation(policy, method, path)
    combined["paths"] = dict(sorted(combined["paths"].items()))
    return combined


_METHODS = ("get", "post", "put", "patch", "delete")
_PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


def operator_operation(policy: RoutePolicy, method: str, path: str) -> dict[str, Any]:
    """A route of the operator's routes file: what the gateway asks before forwarding, and what it may answer itself.

    The upstream's own answers are its own (`default`); a prefix route stands for every path under it.
    """
    under = " and every path under it" if policy.prefix else ""
    needs = {
        Access.PUBLIC: "anyone",
        Access.USER: "a signed-in user (any credential)",
        Access.NO_API_KEY: "a signed-in user, not with an API key",
        Access.ORG_KEY: "an organization's key",
    }[policy.access]
    extra = []
    if policy.roles:
        extra.append("role " + " or ".join(sorted(policy.roles)))
    if policy.permission:
        extra.append(f"the `{policy.permission}` permission (an interactive session)")
    description = f"Forwarded to the operator's upstream `{policy.service}`{under}. Needs {needs}"
    description += (", with " + " and ".join(extra) if extra else "") + "."
    responses: dict[str, Any] = {"default": {"description": "The upstream's answer."}}
    responses.update(gateway_answers(policy, has_body=method in ("post", "put", "patch")))
    if (policy.roles or policy.permission) and "403" in responses:
        responses["403"]["description"] += " `forbidden` when the role or permission is missing."
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in _PARAMETER.findall(path)
    ]
    return {
        "summary": f"{policy.service} (routes file)",
        "description": description,
        "tags": ["operator routes"],
        **({"parameters": parameters} if parameters else {}),
        "security": accepted_credentials(policy),
        "responses": responses,
    }


_SESSION = [{"sessionCookie": []}, {"sessionQuery": []}, {"sessionBearer": []}]
_API_KEY = [{"apiKeyHeader": []}, {"apiKeyQuery": []}]


def accepted_credentials(policy: RoutePolicy) -> list[dict[str, list]]:
    """The OpenAPI `security` of a route: any one of these credentials (none for a public route)."""
    if policy.access is Access.PUBLIC:
        return []
    if policy.access is Access.ORG_KEY:
        return [{"orgId": [], "orgKey": []}]
    if policy.permission is not None:
        return list(_SESSION)  # only interactive sessions carry permissions
    if policy.access is Access.NO_API_KEY:
        return [*_SESSION, {"basic": []}]
    return [*_SESSION, {"basic": []}, *_API_KEY]


_RETRY_AFTER = {"Retry-After": {"required": True, "schema": {"type": "string"}, "description": "Seconds to wait."}}


def gateway_answers(policy: RoutePolicy, *, has_body: bool) -> dict[str, dict[str, Any]]:
    """What the gateway itself may answer on a route, whatever its service documents (SPEC §1, §9)."""
    answers = {
        "400": "`ambiguous_credentials`: credentials naming different principals; or a body that cannot be read.",
        "401": "A credential that is present but not valid, on a public route too (the gateway never falls back).",
        "502": "`bad_gateway`: the service answered badly.",
        "503": "`service_unavailable`: the service or one of its data stores is down; see `Retry-After`.",
        "504": "`gateway_timeout`: the service did not answer in time; see `Retry-After`.",
    }
    if policy.access is not Access.PUBLIC:
        answers["403"] = "`forbidden_auth_method`, `csrf_rejected` or `forbidden_organization`."
    if {"basic": []} in accepted_credentials(policy) or policy.access is Access.PUBLIC:
        answers["429"] = "`rate_limited`: too many failed password checks (HTTP Basic); see `Retry-After`."
    if has_body:
        answers["413"] = "`payload_too_large`: the body is over the gateway's limit."
        answers["415"] = "`unsupported_media_type`: send JSON (or form-encoded where documented)."
    return {status: _error_answer(policy, description, status) for status, description in answers.items()}


def _error_answer(policy: RoutePolicy, description: str, status: str) -> dict[str, Any]:
    if policy.envelope is Envelope.ACCOUNT:
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/AccountError"}}}
    else:
        content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    answer: dict[str, Any] = {"description": description, "content": content}
    if status in ("429", "503", "504"):
        answer["headers"] = _RETRY_AFTER
    return answer


async def combined_document(upstreams: list[Upstream], public_url: str, operator_routes: tuple[RoutePolicy, ...] = ()) -> dict[str, Any]:
    documents = await asyncio.gather(*(_document_of(upstream) for upstream in upstreams))
    return merge([d for d in documents if d is not None], public_url, operator_routes)
