"""What stays per request while the cost around it is cut: the user is read on every call.

The service remembers a verified identity token (latchkey.tokens), never the
user: the same token, sent again after the user was disabled or deleted, is
refused on the very next request.
"""

from __future__ import annotations

from latchkey.tokens import Principal
from tests.session.conftest import identity

ME = "/api/1/users/me"


async def _me(http, system, headers):
    async with http.get(system.urls["session"] + ME, headers=headers) as response:
        return response.status


async def test_a_disabled_user_is_refused_at_once_though_their_token_was_verified(session_system, http, make_user, db):
    user = await make_user(session_system)
    headers = identity(session_system, Principal(sub=str(user["userid"]), org=1, perms=frozenset({"oauth"}), amr=("pwd",)))
    assert await _me(http, session_system, headers) == 200
    assert await _me(http, session_system, headers) == 200  # the token is now remembered as verified
    await db.execute("UPDATE session.users SET disabled_at = now() WHERE userid = $1", user["userid"])
    assert await _me(http, session_system, headers) == 401
    await db.execute("UPDATE session.users SET disabled_at = NULL WHERE userid = $1", user["userid"])
    assert await _me(http, session_system, headers) == 200
    await db.execute("DELETE FROM session.users WHERE userid = $1", user["userid"])
    assert await _me(http, session_system, headers) == 401
