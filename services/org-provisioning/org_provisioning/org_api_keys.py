"""Organization API keys: issued with the organization, shown again on request, rotatable.

At rest a key is a SHA-256 hash (for verification) plus an AES-GCM sealed copy
bound to the organization's id (for the Integrations page), so a database dump
yields no usable key and a sealed copy moved to another row does not open.
"""

from __future__ import annotations

import logging

import redis.asyncio as redis

from latchkey import credential_cache
from latchkey.errors import InvalidCredentials
from latchkey.security import SecretBox, api_key, constant_time_equals, lookup_hash, short_fingerprint
from latchkey.inputs import storable_text

from . import repository
from .repository import Executor, OrganizationRow

log = logging.getLogger("org_provisioning.org_api_keys")


def key_hash(key: str) -> str:
    return lookup_hash(key)


def _associated(org_id: int) -> str:
    return f"org:{org_id}"


def new_key(box: SecretBox, org_id: int) -> tuple[str, str]:
    """A fresh key and its sealed copy for this organization."""
    key = api_key()
    return key, box.seal(key, _associated(org_id))


def reveal(box: SecretBox, org: OrganizationRow) -> str:
    return box.open(org.api_key_sealed, _associated(org.id))


async def verify(db: Executor, slug: object, key: object) -> OrganizationRow:
    """The organization whose slug and key these are; one answer for every kind of wrong."""
    # Only well-formed text reaches the database and the hash (NUL or a lone surrogate would be a 500).
    slug, key = storable_text(slug), storable_text(key)
    org = await repository.find_organization_by_slug(db, slug) if slug is not None else None
    presented = key_hash(key) if key is not None else ""
    # Compare even when the org is unknown, so timing does not tell which part was wrong.
    stored = org.api_key_hash if org is not None else lookup_hash("no organization")
    if not constant_time_equals(presented, stored) or org is None:
        raise InvalidCredentials()
    return org


async def rotate(db: Executor, cache: redis.Redis, box: SecretBox, org: OrganizationRow) -> str:
    """Replace the key; the old one stops working at once, on every gateway."""
    key, sealed = new_key(box, org.id)
    previous_hash = await repository.replace_api_key(db, org_id=org.id, api_key_hash=key_hash(key), api_key_sealed=sealed)
    if previous_hash is not None:
        await credential_cache.revoke(cache, credential_cache.org_key_entry_for_hash(previous_hash))
    log.info("org api key rotated", extra={"fields": {"org": org.id, "key_fingerprint": short_fingerprint(key)}})
    return key
