"""The session service's user directory and session issuing, over its internal API.

Users belong to the session service; this service only asks it, signed as
`org-provisioning`, with every call scoped to one organization's id.
"""

from __future__ import annotations

from typing import Any

from latchkey.errors import LatchkeyError
from latchkey.internal_client import ServiceClient

UserOut = dict[str, Any]


class SessionDirectory:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def put_user(self, org_id: int, user_name: str, fields: dict[str, Any]) -> tuple[bool, UserOut]:
        """Create or update; returns (created, user)."""
        status, body = await self._client.call("PUT", _user_path(org_id, user_name), json_body=fields)
        return status == 201, body["user"]

    async def find_user(self, org_id: int, user_name: str) -> UserOut | None:
        try:
            _, body = await self._client.call("GET", _user_path(org_id, user_name))
        except LatchkeyError as error:
            if error.status == 404:
                return None
            raise
        return body["user"]

    async def list_users(self, org_id: int, limit: int, cursor: str | None) -> tuple[list[UserOut], str | None]:
        params = {"limit": str(limit)}
        if cursor:
            params["cursor"] = cursor
        _, body = await self._client.call("GET", f"/internal/organizations/{org_id}/users", params=params)
        return body["users"], body.get("nextCursor")

    async def delete_user(self, org_id: int, user_name: str) -> bool:
        """Deprovision: the user and all its sessions end. False when there was no such user."""
        try:
            await self._client.call("DELETE", _user_path(org_id, user_name))
        except LatchkeyError as error:
            if error.status == 404:
                return False
            raise
        return True

    async def start_session(self, user_id: int, *, amr: list[str], perms: list[str]) -> dict[str, Any]:
        """`{"sesskey", "expiresIn", "user"}`; raises the owner's 404 (unknown) or 403 (disabled)."""
        _, body = await self._client.call("POST", "/internal/sessions", json_body={"userId": user_id, "amr": amr, "perms": perms})
        return body


def _user_path(org_id: int, user_name: str) -> str:
    # user_name is validated to [A-Za-z0-9._-] and never "." or "..", so it is a safe path segment.
    return f"/internal/organizations/{org_id}/users/{user_name}"
