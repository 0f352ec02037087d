"""The one client of the session service's internal API (docs/internal-api.md, "session").

The gateway, org-provisioning and oidc-link ask the owner of users and
sessions through this class and get typed answers: `DirectoryUser`,
`NewSession`. Errors are the owner's own, rebuilt by `ServiceClient`
(`NotFound`, `Forbidden`, `Conflict`, `InvalidCredentials`, `RateLimited`...);
an answer of the wrong shape is `BadGateway`, never a KeyError.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import BadGateway, NotFound
from .internal_client import ServiceClient
from .security_events import Client


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    """The internal user object (`UserOut`)."""

    userid: int
    email: str | None
    name: str | None
    role: str
    partnerid: int | None
    user_name: str | None
    picture: str | None
    disabled: bool
    has_password: bool
    created_at: str
    updated_at: str

    @classmethod
    def from_json(cls, value: Any) -> DirectoryUser:
        if not isinstance(value, dict) or not _is_int(value.get("userid")):
            raise BadGateway()
        partnerid = value.get("partnerid")
        return cls(
            userid=value["userid"],
            email=_text(value.get("email")),
            name=_text(value.get("name")),
            role=_text(value.get("role")) or "",
            partnerid=partnerid if _is_int(partnerid) else None,
            user_name=_text(value.get("userName")),
            picture=_text(value.get("picture")),
            disabled=value.get("disabled") is True,
            has_password=value.get("hasPassword") is True,
            created_at=_text(value.get("createdAt")) or "",
            updated_at=_text(value.get("updatedAt")) or "",
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "userid": self.userid,
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "partnerid": self.partnerid,
            "userName": self.user_name,
            "picture": self.picture,
            "disabled": self.disabled,
            "hasPassword": self.has_password,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


@dataclass(frozen=True, slots=True)
class NewSession:
    sesskey: str
    expires_in: int
    user: DirectoryUser

    def to_json(self) -> dict[str, Any]:
        return {"sesskey": self.sesskey, "expiresIn": self.expires_in, "user": self.user.to_json()}


@dataclass(frozen=True, slots=True)
class VerifiedPassword:
    user: DirectoryUser
    credential_version: str


class SessionClient:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    # --- the gateway's credential checks ---

    async def verify_password(self, email: str, password: str, *, client: Client | None = None) -> VerifiedPassword:
        """401 InvalidCredentials when wrong, 429 RateLimited when locked out (per email and per `client` address)."""
        check = {"email": email, "password": password, **({"client": client.to_json()} if client else {})}
        body = await self._post("/internal/auth/password", check)
        version = body.get("credentialVersion")
        if not isinstance(version, str):
            raise BadGateway()
        return VerifiedPassword(DirectoryUser.from_json(body.get("user")), version)

    async def verify_api_key(self, api_key: str) -> DirectoryUser:
        body = await self._post("/internal/auth/api-key", {"apikey": api_key})
        return DirectoryUser.from_json(body.get("user"))

    # --- sessions for org-provisioning and oidc-link ---

    async def start_session(
        self, user_id: int, *, amr: list[str], perms: list[str], client: Client | None = None
    ) -> NewSession:
        """A new session; NotFound for an unknown user, Forbidden when disabled, Conflict `user_changed`.

        `client` (the browser signing in) is what the user's sessions list and security log will show.
        """
        request: dict[str, Any] = {"userId": user_id, "amr": amr, "perms": perms}
        if client is not None:
            request["client"] = client.to_json()
        body = await self._post("/internal/sessions", request)
        sesskey, expires_in = body.get("sesskey"), body.get("expiresIn")
        if not isinstance(sesskey, str) or not _is_int(expires_in):
            raise BadGateway()
        return NewSession(sesskey, expires_in, DirectoryUser.from_json(body.get("user")))

    async def report_event(
        self, user_id: int, event: str, *, subject: str | None = None, client: Client | None = None, method: str | None = None
    ) -> None:
        """A security event this service owns, for the user's security log (which session keeps)."""
        body: dict[str, Any] = {"event": event, "subject": subject, "method": method}
        if client is not None:
            body["client"] = client.to_json()
        await self._client.call("POST", f"/internal/users/{user_id}/events", json_body=body)

    async def get_user(self, user_id: int) -> DirectoryUser:
        """NotFound for an unknown user."""
        _status, body = await self._client.call("GET", f"/internal/users/{user_id}")
        return DirectoryUser.from_json(_object(body).get("user"))

    # --- an organization's users, for org-provisioning ---

    async def put_org_user(self, org_id: int, user_name: str, fields: dict[str, Any]) -> tuple[bool, DirectoryUser]:
        """Create or update; (created, user). ValidationFailed / Conflict `email_taken` as the owner says."""
        status, body = await self._client.call("PUT", _org_user_path(org_id, user_name), json_body=fields)
        return status == 201, DirectoryUser.from_json(_object(body).get("user"))

    async def find_org_user(self, org_id: int, user_name: str) -> DirectoryUser | None:
        try:
            _status, body = await self._client.call("GET", _org_user_path(org_id, user_name))
        except NotFound:
            return None
        return DirectoryUser.from_json(_object(body).get("user"))

    async def list_org_users(self, org_id: int, limit: int, cursor: str | None) -> tuple[list[DirectoryUser], str | None]:
        params = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        _status, body = await self._client.call("GET", f"/internal/organizations/{org_id}/users", params=params)
        users, next_cursor = _object(body).get("users"), _object(body).get("nextCursor")
        if not isinstance(users, list) or not (next_cursor is None or isinstance(next_cursor, str)):
            raise BadGateway()
        return [DirectoryUser.from_json(user) for user in users], next_cursor

    async def delete_org_user(self, org_id: int, user_name: str) -> bool:
        """Deprovision: the user and all its sessions end. False when there was no such user."""
        try:
            await self._client.call("DELETE", _org_user_path(org_id, user_name))
        except NotFound:
            return False
        return True

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        _status, answer = await self._client.call("POST", path, json_body=body)
        return _object(answer)


def _org_user_path(org_id: int, user_name: str) -> str:
    # Callers validate user_name to [A-Za-z0-9._-] and never "." or "..", so it is a safe path segment.
    return f"/internal/organizations/{org_id}/users/{user_name}"


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadGateway()
    return body


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
