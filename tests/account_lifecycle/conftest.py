"""The whole system on real PostgreSQL and Redis, with cheap argon2, and users made as an operator makes them."""

from __future__ import annotations

import pytest

from tests.gateway.support import sign_in
from tests.session.conftest import CHEAP_ARGON2

PASSWORD = "correct horse battery 1"


# Tests that need the SMTP catcher ask for `mailbox` before `start_system`, so the catcher outlives the
# services: a service stopping while its outbox still retries against a stopped catcher can wait long.


@pytest.fixture
async def lifecycle_system(start_system):
    return await start_system(**CHEAP_ARGON2)


@pytest.fixture
def make_person(http):
    """Factory: a user with no organization (as sign-up makes them), signed in; returns (userid, sesskey)."""
    from session import operator as session_operator
    from session.settings import Settings as SessionSettings

    async def make(system, email: str = "ada@example.com", **fields) -> tuple[int, str]:
        user = await session_operator.create_user(
            SessionSettings.from_env(system.env), email=email, password=PASSWORD, org_id=fields.get("org_id"),
            role=fields.get("role", "USER"), name=fields.get("name", "Ada"),
        )
        return user["userid"], await sign_in(system.gateway, http, email, PASSWORD)

    return make


def bearer(sesskey: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + sesskey}


async def account_error(response) -> tuple[int, str, dict]:
    body = await response.json()
    return response.status, body["error"]["code"], body["error"].get("fields", {})
