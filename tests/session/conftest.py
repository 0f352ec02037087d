"""Helpers for calling the session service directly, as the gateway and the other services do."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from latchkey.tokens import IDENTITY_HEADER, Principal, TokenSigner
from tests.harness import System

CHEAP_ARGON2 = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024"}
PASSWORD = "correct horse battery"


def signer_for(system: System, service: str) -> TokenSigner:
    seed = system.env[service.upper().replace("-", "_") + "_SIGNING_KEY"]
    return TokenSigner(service, base64.urlsafe_b64decode(seed + "=" * (-len(seed) % 4)))


def identity(system: System, principal: Principal) -> dict[str, str]:
    """The header the gateway forwards for this principal."""
    return {IDENTITY_HEADER: signer_for(system, "gateway").identity_token("session", principal)}


def service_auth(system: System, caller: str) -> dict[str, str]:
    """A service-to-service token from `caller` to the session service."""
    return {"Authorization": "Bearer " + signer_for(system, caller).service_token("session")}


def session_principal(login: dict[str, Any]) -> Principal:
    """The principal the gateway derives from a password login's sesskey."""
    from session.sessions import session_handle

    data = login["data"]
    return Principal(
        sub=str(data["userid"]), org=data["partnerid"], role=data["role"], perms=frozenset({"oauth"}),
        amr=("pwd",), sid=session_handle(data["sesskey"]),
    )


@pytest.fixture
async def session_system(start_system) -> System:
    """Only the session service, with cheap argon2 so tests stay fast."""
    return await start_system(("session",), **CHEAP_ARGON2)


@pytest.fixture
def make_user(http) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Create a user through the session service's own operator module, as `latchkey user create` does."""
    from session import operator
    from session.settings import Settings

    async def make(system: System, email: str = "ada@example.com", password: str = PASSWORD, **fields: Any) -> dict[str, Any]:
        settings = Settings.from_env(system.env)
        return await operator.create_user(
            settings, email=email, password=password, org_id=fields.get("org_id", 1), role=fields.get("role", "USER"),
            name=fields.get("name", "Ada"),
        )

    return make


async def login(http, system: System, email: str = "ada@example.com", password: str = PASSWORD, **kwargs: Any) -> dict[str, Any]:
    """A JSON password login that must succeed; returns the response body."""
    async with http.post(system.urls["session"] + "/api/1/auth/session", json={"email": email, "password": password}, **kwargs) as response:
        body = await response.json()
        assert response.status == 200, body
        return body
