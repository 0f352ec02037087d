"""The whole system wired to a real SMTP catcher, and a few steps every self-service test takes."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from session import operator as session_operator
from session.settings import Settings as SessionSettings
from tests.harness import System
from tests.mailbox import Mailbox
from tests.session.conftest import CHEAP_ARGON2

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
async def mail_system(start_system, mailbox: Mailbox) -> System:
    return await start_system(SMTP_URL=mailbox.smtp_url, **CHEAP_ARGON2)


async def create_user(system: System, email: str = "ada@example.com", password: str = PASSWORD, **fields: Any) -> dict[str, Any]:
    settings = SessionSettings.from_env(system.env)
    return await session_operator.create_user(
        settings, email=email, password=password, org_id=fields.get("org_id"), role=fields.get("role", "USER"), name="Ada"
    )


async def login(http, system: System, email: str = "ada@example.com", password: str = PASSWORD, **headers: str) -> str:
    async with http.post(system.gateway + "/api/1/auth/session", json={"email": email, "password": password}, headers=headers) as response:
        body = await response.json()
        assert response.status == 200, body
        return body["data"]["sesskey"]


def basic(email: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()}


def bearer(sesskey: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + sesskey}
