"""The pending second step of a password sign-in: the `mfaToken` (docs/api.md §8).

A right password for a two-factor user yields a random token instead of a
session. Redis keeps, under a hash of it, the user and the credential version
the password was checked against, for `MFA_TOKEN_TTL` (5 minutes). The second
step takes it atomically (GETDEL), so two requests cannot both spend it; a
wrong code puts it back for the time it had left, so a typo does not send the
user back to the password. A password change in between makes it worthless.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from latchkey.errors import LatchkeyError
from latchkey.security import lookup_hash, url_token
from latchkey.inputs import is_storable

from .context import Context
from .repository import UserRecord

_PREFIX = "mfa:"
_MAX_TOKEN_LENGTH = 128


class InvalidMfaToken(LatchkeyError):
    status = 401
    code = "invalid_mfa_token"
    message = "This sign-in attempt has expired. Sign in again with your password."


@dataclass(frozen=True, slots=True)
class Challenge:
    token: str
    userid: int
    credential_version: str
    expires_at: float

    def encode(self) -> str:
        return json.dumps({"u": self.userid, "cv": self.credential_version, "x": self.expires_at})


def _entry(token: str) -> str:
    return _PREFIX + lookup_hash(token)


async def issue(ctx: Context, user: UserRecord) -> str:
    token = url_token(32)
    challenge = Challenge(token, user.userid, user.credential_version, ctx.clock() + ctx.settings.mfa_token_ttl)
    await ctx.redis.set(_entry(token), challenge.encode(), ex=ctx.settings.mfa_token_ttl)
    return token


async def take(ctx: Context, token: object) -> Challenge:
    """The challenge, removed as it is read; InvalidMfaToken when used, expired or unknown."""
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN_LENGTH or not is_storable(token):
        raise InvalidMfaToken()
    raw = await ctx.redis.getdel(_entry(token))
    if raw is None:
        raise InvalidMfaToken()
    value = json.loads(raw)
    challenge = Challenge(token, int(value["u"]), str(value["cv"]), float(value["x"]))
    if ctx.clock() >= challenge.expires_at:
        raise InvalidMfaToken()
    return challenge


async def put_back(ctx: Context, challenge: Challenge) -> None:
    """After a wrong code: the same token works again until its original expiry (never longer)."""
    left_ms = int((challenge.expires_at - ctx.clock()) * 1000)
    if left_ms > 0:
        await ctx.redis.set(_entry(challenge.token), challenge.encode(), px=left_ms, nx=True)
