"""What the session service asks of oidc-link, the owner of OpenID account links."""

from __future__ import annotations

from latchkey.internal_client import ServiceClient


class LinkedAccounts:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def forget(self, user_id: int) -> int:
        """Remove every link of a user being deleted; idempotent. Raises 503/504 when oidc-link is down."""
        _status, body = await self._client.call("DELETE", f"/internal/users/{user_id}/links")
        return int(body.get("removed", 0)) if isinstance(body, dict) else 0
