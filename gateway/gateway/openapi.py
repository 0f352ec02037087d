"""The combined OpenAPI 3.1 document at `/api/openapi.json`.

Each service describes its own routes at `GET /openapi.json`; the gateway
merges their public paths (only what it routes: `/api/...`, never
`/internal/...`) and components, adds the credentials of docs/api.md §1 as
security schemes, and states on each operation the credentials the gateway's
policy table really accepts there. A service that is down or has no document
is left out rather than failing the whole document.
"""

from __future__ import annotations

import asyncio
from typing import Any


from latchkey.errors import LatchkeyError

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


def merge(documents: list[dict[str, Any]], public_url: str) -> dict[str, Any]:
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
    combined["paths"] = dict(sorted(combined["paths"].items()))
    return combined


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


async def combined_document(upstreams: list[Upstream], public_url: str) -> dict[str, Any]:
    documents = await asyncio.gather(*(_document_of(upstream) for upstream in upstreams))
    return merge([d for d in documents if d is not None], public_url)
