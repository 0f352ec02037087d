"""What an operator may do to organizations (used by the `latchkey` CLI and `latchkey up`).

Each call opens its own database connection and Redis client from the
settings and closes them, so the CLI needs no running service.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from latchkey.security import SecretBox
from latchkey.storage import RedisClient, open_redis_for, postgres_options

from . import activity, org_api_keys, repository
from .organizations import change_settings, create_organization as create, find_organization, public_view, settings_view
from .organizations import OrganizationNotFound
from .settings import Settings


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(settings.common.database_url, **postgres_options(settings.common))
    try:
        yield conn
    finally:
        await conn.close()


@asynccontextmanager
async def _redis(settings: Settings) -> AsyncIterator[RedisClient]:
    client = open_redis_for(settings.common)
    try:
        yield client
    finally:
        await client.aclose()


def _with_key(view: dict[str, Any], api_key: str) -> dict[str, Any]:
    return {**view, "apiKey": api_key}


async def create_organization(settings: Settings, *, slug: str, name: str, auth_redirect_url: str | None) -> dict[str, Any]:
    box = SecretBox(settings.secrets_key)
    async with _database(settings) as db:
        org, api_key = await create(db, box, slug=slug, name=name, auth_redirect_url=auth_redirect_url)
    return _with_key(public_view(org), api_key)


async def get_organization(settings: Settings, slug: str) -> dict[str, Any] | None:
    async with _database(settings) as db:
        try:
            org = await find_organization(db, slug)
        except OrganizationNotFound:
            return None
    return _with_key(public_view(org), org_api_keys.reveal(SecretBox(settings.secrets_key), org))


async def rotate_api_key(settings: Settings, slug: str) -> dict[str, Any]:
    box = SecretBox(settings.secrets_key)
    async with _database(settings) as db, _redis(settings) as cache:
        org = await find_organization(db, slug)
        api_key = await org_api_keys.rotate(db, cache, box, org)
        org = await repository.find_organization_by_id(db, org.id) or org
    return _with_key(public_view(org), api_key)


async def update_settings(settings: Settings, slug: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The organization's settings after `changes` (the PATCH an org admin sends), in its security log as the operator's."""
    async with _database(settings) as db:
        org = await find_organization(db, slug)
        if changes:
            org = await change_settings(db, org, changes)
            await activity.record(db, activity.SETTINGS_CHANGED, org, principal=None, client=None, actor=activity.OPERATOR,
                                  detail={"fields": sorted(changes)})
    return settings_view(org)
