"""User API keys: every user has one from creation, shown again on request, replaced on demand.

Stored twice, never in plain text: a SHA-256 for lookup and an AES-GCM
ciphertext (bound to the user id) for display.
"""

from __future__ import annotations

import logging

from latchkey.errors import InvalidCredentials, NotFound
from latchkey.security import SecretBox, api_key, lookup_hash, short_fingerprint

from latchkey.security_events import Client

from . import repository, security_log
from .context import Context
from .credentials import revoke_cached
from .repository import UserRecord

log = logging.getLogger("session.api_keys")


def new_api_key(box: SecretBox, userid: int) -> tuple[str, str, str]:
    """(key, hash, sealed) for a new key of this user."""
    key = api_key()
    return key, lookup_hash(key), box.seal(key, str(userid))


async def show_api_key(ctx: Context, userid: int) -> str:
    user = await repository.find_user_by_id(ctx.db, userid)
    if user is None:
        raise NotFound("No such user.")
    return ctx.box.open(user.api_key_sealed, str(userid))


async def regenerate_api_key(ctx: Context, userid: int, *, client: Client | None = None, method: str | None = None) -> str:
    """A new key; the old one stops working at once, on every gateway."""
    key, key_hash, sealed = new_api_key(ctx.box, userid)
    async with ctx.db.acquire() as conn, conn.transaction():
        old = await repository.lock_user(conn, userid)
        if old is None:
            raise NotFound("No such user.")
        await repository.replace_api_key(conn, userid, api_key_hash=key_hash, api_key_sealed=sealed)
        await security_log.record(ctx, security_log.API_KEY_REGENERATED, old, client=client, method=method, db=conn)
    await revoke_cached(ctx, api_key_hash=old.api_key_hash)
    log.info("api key regenerated", extra={"fields": {"userid": userid, "key": short_fingerprint(key)}})
    return key


async def verify_api_key(ctx: Context, presented: str) -> UserRecord:
    user = await repository.find_user_by_api_key_hash(ctx.db, lookup_hash(presented))
    if user is None or user.disabled:
        raise InvalidCredentials()
    return user
