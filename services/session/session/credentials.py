"""Credential versions and the revocation of cached credentials.

The gateway caches verified Basic and API-key credentials (latchkey.credential_cache).
Whenever what a cached principal says may be wrong (password, email, role,
disabled, deleted), the user gets a new random credential version and we
delete the cache entries, so the next request is verified afresh.
"""

from __future__ import annotations

from latchkey import credential_cache
from latchkey.security import url_token

from .context import Context


def new_credential_version() -> str:
    return url_token(12)


async def revoke_cached(ctx: Context, *, emails: tuple[str | None, ...] = (), api_key_hash: str | None = None) -> None:
    entries = [credential_cache.credential_version_entry(ctx.cache_hmac_key, email) for email in set(emails) if email]
    if api_key_hash:
        entries.append(credential_cache.api_key_entry_for_hash(api_key_hash))
    await credential_cache.revoke(ctx.redis, *entries)
