"""Redis caches of verified credentials, shared by who fills and who revokes them.

The gateway fills them (so a Basic password is hashed once, not per request;
an API key is looked up in Postgres once), and the owning service revokes
them the moment a credential changes. Keys hold only hashes, never secrets.

- API keys: `ck:ak:<sha256(key)>` → principal JSON; regeneration deletes it.
- Org keys: `ck:ok:<sha256(key)>` → principal JSON; rotation deletes it.
- Basic: `ck:b:{<tag>}<hmac(email:password)>` → principal JSON with the user's
  credential version `cv`, read together with `ck:cv:{<tag>}<rest>` in one
  MGET. The session service deletes the `cv` key on a password change,
  disable, email change or deprovisioning, so every cached Basic entry of
  that user stops matching at once, on every gateway. `<tag>` is the first 16
  hex digits of the email's HMAC: a Redis Cluster hash tag, so both keys of the
  MGET live in one slot (the only multi-key read here).

An entry may briefly hold a fill claim (`claim:<random>`, see the gateway's
`cache_fills`) instead of a principal; `read` treats it as a miss.
"""

from __future__ import annotations

import json
from typing import Any

from .redis_client import RedisClient
from .security import keyed_hash, lookup_hash

CACHE_TTL_SECONDS = 300
CLAIM_PREFIX = b"claim:"


def api_key_entry(api_key: str) -> str:
    return "ck:ak:" + lookup_hash(api_key)


def api_key_entry_for_hash(api_key_hash: str) -> str:
    return "ck:ak:" + api_key_hash


def org_key_entry(org_key: str) -> str:
    return "ck:ok:" + lookup_hash(org_key)


def org_key_entry_for_hash(org_key_hash: str) -> str:
    return "ck:ok:" + org_key_hash


def _email_hash(hmac_key: bytes, email: str) -> str:
    return keyed_hash(hmac_key, email.strip().lower())


def basic_entry(hmac_key: bytes, email: str, password: str) -> str:
    tag = _email_hash(hmac_key, email)[:16]
    return "ck:b:{" + tag + "}" + keyed_hash(hmac_key, email.strip().lower() + "\x00" + password)


def credential_version_entry(hmac_key: bytes, email: str) -> str:
    digest = _email_hash(hmac_key, email)
    return "ck:cv:{" + digest[:16] + "}" + digest[16:]


async def read(client: RedisClient, entry: str) -> dict[str, Any] | None:
    raw = await client.get(entry)
    if not raw or raw.startswith(CLAIM_PREFIX):
        return None
    return json.loads(raw)


async def write(client: RedisClient, entry: str, value: dict[str, Any], ttl: int = CACHE_TTL_SECONDS) -> None:
    await client.set(entry, json.dumps(value, separators=(",", ":")), ex=ttl)


async def read_basic(client: RedisClient, hmac_key: bytes, email: str, password: str) -> dict[str, Any] | None:
    """The cached principal for this Basic credential, if its credential version is still current."""
    raw, version = await client.mget(basic_entry(hmac_key, email, password), credential_version_entry(hmac_key, email))
    if not raw or not version:
        return None
    value = json.loads(raw)
    return value if value.get("cv") == version.decode() else None


async def publish_credential_version(client: RedisClient, hmac_key: bytes, email: str, version: str) -> None:
    """Called by the owner after a successful password check: this version is current."""
    await client.set(credential_version_entry(hmac_key, email), version, ex=CACHE_TTL_SECONDS * 2)


async def revoke(client: RedisClient, *entries: str) -> None:
    """Delete cache entries: every gateway misses them on its next read (no gateway keeps copies in process)."""
    if entries:
        await client.delete(*entries)
