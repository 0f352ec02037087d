"""Refresh tokens: a partner's one-time ticket that becomes a user session.

A token is stored only as `rt:<sha256>` in Redis with a short TTL, so a Redis
dump yields nothing usable. Taking it is one GETDEL: of any number of
concurrent exchanges of one token, exactly one gets the claim.
"""

from __future__ import annotations

import json
import math
from typing import Any

import redis.asyncio as redis

from latchkey.errors import Conflict, Forbidden, InvalidRefreshToken, NotFound
from latchkey.inputs import storable_text
from latchkey.security import lookup_hash, url_token
from latchkey.session_client import NewSession, SessionClient
from latchkey.security_events import Client

from . import repository, users
from .repository import Executor, OrganizationRow

PREFIX = "rt:"
MAX_TOKEN_LENGTH = 256
SESSION_AMR = ["org_sso"]
SESSION_PERMS = ["oauth"]


def expires_in(ttl: float) -> int:
    return math.ceil(ttl)


async def issue(cache: redis.Redis, ttl: float, *, user_id: int, org_id: int, user_name: str) -> str:
    token = url_token()
    claim = {"userId": user_id, "orgId": org_id, "userName": user_name}
    await cache.set(PREFIX + lookup_hash(token), json.dumps(claim), px=max(1, int(ttl * 1000)))
    return token


async def take(cache: redis.Redis, token: object) -> dict[str, Any] | None:
    """The token's claim, removed in the same step; None when used, expired or unknown."""
    token = storable_text(token)
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    raw = await cache.getdel(PREFIX + lookup_hash(token))
    return json.loads(raw) if raw else None


async def exchange(
    cache: redis.Redis, db: Executor, directory: SessionClient, token: object, client: Client | None = None
) -> tuple[NewSession, OrganizationRow]:
    """Spend the token on a new session (amr org_sso); returns the session and the organization."""
    claim = await take(cache, token)
    if claim is None:
        raise InvalidRefreshToken()
    org = await repository.find_organization_by_id(db, claim["orgId"])
    # The user may have been deprovisioned, moved or disabled since the token was issued.
    user = await directory.find_org_user(org.id, claim["userName"]) if org is not None else None
    if user is None or user.userid != claim["userId"] or user.disabled or user.partnerid != org.id:
        raise InvalidRefreshToken()
    try:
        session = await directory.start_session(claim["userId"], amr=SESSION_AMR, perms=SESSION_PERMS, client=client)
    except Forbidden as error:
        if error.code == "mfa_required":  # MFA_REQUIRED_FOR_HANDOFF: this user must use the password and code
            raise Forbidden("This account uses two-factor sign-in: sign in with your password and code.", code="mfa_required") from None
        raise InvalidRefreshToken() from None  # disabled since the check above
    except NotFound:  # deleted since the check above
        raise InvalidRefreshToken() from None
    return session, org


async def issue_for_user(
    cache: redis.Redis, directory: SessionClient, org: OrganizationRow, user_name: str, ttl: float
) -> str:
    """A token for an existing, enabled user of `org`; UserNotFound otherwise."""
    user = await users.find_user(directory, org, user_name)
    if user.disabled:
        # Refuse now rather than hand the partner a login link that can only fail.
        raise Conflict("This user is disabled.", code="user_disabled")
    return await issue(cache, ttl, user_id=user.userid, org_id=org.id, user_name=user_name)
