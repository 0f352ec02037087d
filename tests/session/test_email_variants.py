"""An email is one account, one lockout counter and one cached-credential version, whatever the database locale.

PostgreSQL's lower() follows the database's LC_CTYPE: under a UTF-8 locale
(the official postgres image's default) lower('İ') is 'i', while Python's
'İ'.lower() is 'i̇'. Lockout counters and the gateway's Basic cache are keyed
by Python's lowercase, so such a variant must not be accepted as the account's
email: it would have its own lockout counter and its own cache version, which a
password change would not revoke.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from latchkey_cli import migrate
from tests.session.conftest import CHEAP_ARGON2, PASSWORD

UTF8_DB = "latchkey_test_utf8_locale"


@pytest.fixture
async def utf8_database(servers) -> AsyncIterator[str]:
    conn = await asyncpg.connect(servers["database"])
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{UTF8_DB}"')
        await conn.execute(f"""CREATE DATABASE "{UTF8_DB}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.utf8' LC_CTYPE 'C.utf8'""")
        url = servers["database"].rsplit("/", 1)[0] + "/" + UTF8_DB
        await migrate.migrate_all(url)
        yield url
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{UTF8_DB}" WITH (FORCE)')
        await conn.close()


async def _status(http, system, email, password):
    async with http.post(system.urls["session"] + "/api/1/auth/session", json={"email": email, "password": password}) as response:
        return response.status


async def test_a_locale_case_variant_of_a_locked_email_is_not_a_fresh_account(utf8_database, start_system, http, make_user):
    system = await start_system(
        ("session",), DATABASE_URL=utf8_database, LOGIN_MAX_FAILURES="3", LOGIN_LOCKOUT_SECONDS="60", **CHEAP_ARGON2
    )
    await make_user(system, email="alice@example.com")
    for _ in range(3):
        assert await _status(http, system, "alice@example.com", "wrong password") == 401
    assert await _status(http, system, "alice@example.com", PASSWORD) == 429
    # The variant reaches the same row in PostgreSQL but not the same counter: it must not sign in.
    assert await _status(http, system, "al\u0130ce@example.com", PASSWORD) == 401
