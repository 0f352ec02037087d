"""What oidc-link asks of the session service, the owner of users and sessions."""

from __future__ import annotations

from dataclasses import dataclass

from latchkey.internal_client import ServiceClient

OIDC_AMR = "oidc"
INTERACTIVE_PERMS = ("oauth",)


@dataclass(frozen=True, slots=True)
class NewSession:
    sesskey: str
    expires_in: int | None


class SessionDirectory:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def has_password(self, user_id: int) -> bool:
        """Whether the user can sign in with a password (404 NotFound for an unknown user)."""
        _status, body = await self._client.call("GET", f"/internal/users/{user_id}")
        return bool(body["user"].get("hasPassword"))

    async def start_session(self, user_id: int) -> NewSession:
        """A new interactive session (amr `oidc`); 404 unknown user, 403 disabled."""
        _status, body = await self._client.call(
            "POST", "/internal/sessions", json_body={"userId": user_id, "amr": [OIDC_AMR], "perms": list(INTERACTIVE_PERMS)}
        )
        return NewSession(sesskey=body["sesskey"], expires_in=body.get("expiresIn"))
