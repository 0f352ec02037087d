"""What the session service asks of the other services, over their `/internal/` routes.

oidc-link owns OpenID account links; org-provisioning owns organizations and
their settings. Both answer with typed errors (`latchkey.internal_client`);
one that is down is a 503, one that is slow a 504.
"""

from __future__ import annotations

from dataclasses import dataclass

from latchkey.errors import NotFound
from latchkey.internal_client import ServiceClient


class LinkedAccounts:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def forget(self, user_id: int) -> int:
        """Remove every link of a user being deleted; idempotent."""
        _status, body = await self._client.call("DELETE", f"/internal/users/{user_id}/links")
        return int(body.get("removed", 0)) if isinstance(body, dict) else 0


class Organizations:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def users_may_delete_themselves(self, org_id: int) -> bool:
        """The organization's `usersMayDeleteThemselves` setting (off by default), asked each time.

        An organization that no longer exists cannot deprovision its users any more, so they may.
        """
        try:
            _status, body = await self._client.call("GET", f"/internal/organizations/by-id/{org_id}")
        except NotFound:
            return True
        return isinstance(body, dict) and body.get("usersMayDeleteThemselves") is True


@dataclass(frozen=True, slots=True)
class Peers:
    linked_accounts: LinkedAccounts
    organizations: Organizations
