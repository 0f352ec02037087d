"""HTTP in and out for the organization API, the refresh-token exchange and internal routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from latchkey.identity import PRINCIPAL_KEY, principal_of
from latchkey.inputs import limit_param, opaque_cursor, path_id, read_json_object
from latchkey.security_events import Client, event_cursor
from latchkey.session_client import NewSession
from latchkey.tokens import Principal

from . import access, activity, org_api_keys, organizations, refresh_tokens, users
from .keys import CONTEXT
from .openapi import DOCUMENT
from .repository import OrganizationRow

Policy = Callable[[Principal, OrganizationRow], None]


async def _authorized_org(request: web.Request, policy: Policy) -> OrganizationRow:
    """The path's organization, once the principal may act on it (401, then 404, then 403)."""
    principal = principal_of(request)
    org = await organizations.find_organization(request.app[CONTEXT].db, request.match_info["orgId"])
    policy(principal, org)
    return org


# --- organization API: users (server-to-server) ---


async def _record(request: web.Request, event: str, org: OrganizationRow, **facts: Any) -> None:
    """One row of the organization's security log for what this request just did."""
    await activity.record(
        request.app[CONTEXT].db, event, org, principal=request.get(PRINCIPAL_KEY), client=Client.of(request), **facts
    )


async def update_user(request: web.Request) -> web.Response:
    org = await _authorized_org(request, access.require_org_key)
    body = await read_json_object(request)
    created, user = await users.provision_user(request.app[CONTEXT].sessions, org, request.match_info["userName"], body)
    fields = sorted(key for key in body if key in users.PROFILE_FIELDS)
    await _record(request, activity.USER_PROVISIONED, org, user_id=user["id"], subject=user["userName"],
                  detail={"created": created, "fields": fields})
    return web.json_response(user, status=201 if created else 200)


async def generate_token(request: web.Request) -> web.Response:
    org = await _authorized_org(request, access.require_org_key)
    ttl = request.app[CONTEXT].settings.refresh_token_ttl
    token = await refresh_tokens.issue_for_user(
        request.app[CONTEXT].redis, request.app[CONTEXT].sessions, org, request.match_info["userName"], ttl
    )
    login_url = request.app[CONTEXT].settings.common.public_url + "/?refresh-token=" + token
    await _record(request, activity.REFRESH_TOKEN_ISSUED, org, subject=request.match_info["userName"])
    return web.json_response(
        {"refreshToken": token, "expiresIn": refresh_tokens.expires_in(ttl), "loginUrl": login_url}, status=201
    )


async def list_users(request: web.Request) -> web.Response:
    org = await _authorized_org(request, access.require_directory_reader)
    limit = limit_param(request, default=users.DEFAULT_LIMIT, maximum=users.MAX_LIMIT)
    page = await users.list_users(request.app[CONTEXT].sessions, org, limit, opaque_cursor(request))
    return web.json_response(page)


async def get_user(request: web.Request) -> web.Response:
    org = await _authorized_org(request, access.require_directory_reader)
    user = await users.find_user(request.app[CONTEXT].sessions, org, request.match_info["userName"])
    return web.json_response(users.org_user_view(user, org))


async def delete_user(request: web.Request) -> web.Response:
    org = await _authorized_org(request, access.require_org_key)
    await users.deprovision_user(request.app[CONTEXT].sessions, org, request.match_info["userName"])
    await _record(request, activity.USER_DEPROVISIONED, org, subject=request.match_info["userName"])
    return web.Response(status=204)


# --- organization API: admin (interactive sessions only) ---


async def my_organization(request: web.Request) -> web.Response:
    principal = principal_of(request)
    org = await organizations.find_own_organization(request.app[CONTEXT].db, principal)
    return web.json_response({"id": org.id, "orgId": org.slug, "name": org.name, "admin": principal.role == access.ORG_ADMIN})


async def get_settings(request: web.Request) -> web.Response:
    org = await _authorized_org(request, access.require_admin_session)
    return web.json_response(organizations.settings_view(org))


async def patch_settings(request: web.Request) -> web.Response:
    org = await _authorized_org(request, access.require_admin_session)
    changes = await read_json_object(request)
    updated = await organizations.change_settings(request.app[CONTEXT].db, org, changes)
    await _record(request, activity.SETTINGS_CHANGED, org, detail={"fields": sorted(changes)})
    return web.json_response(organizations.settings_view(updated))


async def get_integrations(request: web.Request) -> web.Response:
    org = await _authorized_org(request, access.require_admin_session)
    return web.json_response({"apiKey": org_api_keys.reveal(request.app[CONTEXT].box, org)})


async def rotate_api_key(request: web.Request) -> web.Response:
    org = await _authorized_org(request, access.require_admin_session)
    api_key = await org_api_keys.rotate(request.app[CONTEXT].db, request.app[CONTEXT].redis, request.app[CONTEXT].box, org)
    await _record(request, activity.API_KEY_ROTATED, org)
    return web.json_response({"apiKey": api_key})


async def list_events(request: web.Request) -> web.Response:
    org = await _authorized_org(request, access.require_admin_session)
    limit = limit_param(request, default=users.DEFAULT_LIMIT, maximum=users.MAX_LIMIT)
    events, next_cursor = await activity.org_events(request.app[CONTEXT].db, org, limit=limit, cursor=event_cursor(request))
    return web.json_response({"events": [event.out() for event in events], "nextCursor": next_cursor})


# --- refresh-token exchange ---


async def _exchange(request: web.Request, body: dict[str, Any], client: Client) -> tuple[NewSession, OrganizationRow]:
    token = body.get("refreshToken")
    session, org = await refresh_tokens.exchange(
        request.app[CONTEXT].redis, request.app[CONTEXT].db, request.app[CONTEXT].sessions, token, client
    )
    await activity.record(
        request.app[CONTEXT].db, activity.HANDOFF_COMPLETED, org, principal=None, client=client,
        user_id=session.user.userid, subject=session.user.user_name, method="org_sso",
    )
    return session, org


async def exchange_refresh_token(request: web.Request) -> web.Response:
    session, org = await _exchange(request, await read_json_object(request), Client.of(request))
    user = users.org_user_view(session.user, org)
    return web.json_response({"sessionToken": session.sesskey, "expiresIn": session.expires_in, "user": user})


async def openapi_document(_request: web.Request) -> web.Response:
    return web.json_response(DOCUMENT)


# --- internal (gateway only) ---


async def internal_verify_org_key(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    org = await org_api_keys.verify(request.app[CONTEXT].db, body.get("orgId"), body.get("apiKey"))
    return web.json_response({"org": {"id": org.id, "orgId": org.slug, "name": org.name}})


async def internal_get_organization(request: web.Request) -> web.Response:
    org = await organizations.find_organization(request.app[CONTEXT].db, request.match_info["orgId"])
    return web.json_response(organizations.public_view(org))


async def internal_get_organization_by_id(request: web.Request) -> web.Response:
    """The settings the session service acts on for an organization's user (`partnerid`)."""
    org = await organizations.find_organization_by_id(request.app[CONTEXT].db, path_id(request, "id"))
    return web.json_response({"id": org.id, **organizations.settings_view(org)})


async def internal_exchange_refresh_token(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    session, _org = await _exchange(request, body, Client.from_json(body.get("client")))
    return web.json_response(session.to_json())
