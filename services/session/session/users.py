"""The user directory: creating, provisioning, disabling and removing users, and their JSON shapes."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from latchkey.errors import Conflict, NotFound

from . import email_verification, repository
from .api_keys import new_api_key
from .context import Context
from .credentials import new_credential_version, revoke_cached
from .repository import UserRecord

log = logging.getLogger("session.users")


def user_out(user: UserRecord) -> dict[str, Any]:
    """The internal user object (docs/internal-api.md `UserOut`)."""
    return {
        "userid": user.userid,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "partnerid": user.partnerid,
        "userName": user.user_name,
        "picture": user.picture,
        "disabled": user.disabled,
        "hasPassword": user.password_hash is not None,
        "emailVerified": user.email_verified,
        "createdAt": user.created_at.isoformat(),
        "updatedAt": user.updated_at.isoformat(),
    }


def account_user(user: UserRecord) -> dict[str, Any]:
    """The user in the account API: integer ids and strings, as its clients expect (0 / "" when unset)."""
    return {
        "userid": user.userid,
        "email": user.email or "",
        "name": user.name,
        "role": user.role or "",
        "partnerid": user.partnerid or 0,
        "userName": user.user_name,
        "picture": user.picture,
        "emailVerified": user.email_verified,
    }


def login_user(user: UserRecord) -> dict[str, Any]:
    """The user fields of a login answer (docs/api.md §2), next to the sesskey."""
    shown = account_user(user)
    return {field: shown[field] for field in ("userid", "email", "name", "role", "partnerid")}


def _email_taken(error: asyncpg.UniqueViolationError) -> Conflict | None:
    if error.constraint_name == "users_email_key":
        return Conflict("Another user has this email.", code="email_taken")
    return None


async def require_user(ctx: Context, userid: int) -> UserRecord:
    user = await repository.find_user_by_id(ctx.db, userid)
    if user is None:
        raise NotFound("No such user.")
    return user


async def require_org_user(ctx: Context, partnerid: int, user_name: str) -> UserRecord:
    user = await repository.find_org_user(ctx.db, partnerid, user_name)
    if user is None:
        raise NotFound("No such user in this organization.")
    return user


async def create_user(
    ctx: Context,
    *,
    email: str | None,
    password_hash: str | None,
    partnerid: int | None,
    role: str = "",
    name: str = "",
    user_name: str | None = None,
    picture: str | None = None,
) -> UserRecord:
    """A new user with a new API key (sealed under its id, so the id is drawn first)."""
    async with ctx.db.acquire() as conn:
        userid = await repository.next_user_id(conn)
        _key, key_hash, sealed = new_api_key(ctx.box, userid)
        try:
            user = await repository.insert_user(
                conn, userid=userid, partnerid=partnerid, user_name=user_name, email=email, name=name, role=role,
                picture=picture, password_hash=password_hash, credential_version=new_credential_version(),
                api_key_hash=key_hash, api_key_sealed=sealed,
            )
        except asyncpg.UniqueViolationError as error:
            raise (_email_taken(error) or error) from None
    log.info("user created", extra={"fields": {"userid": user.userid, "partnerid": partnerid}})
    await email_verification.offer_verification(ctx, user)
    return user


async def upsert_org_user(ctx: Context, partnerid: int, user_name: str, changes: dict[str, Any]) -> tuple[bool, UserRecord]:
    """Create the organization's user `user_name` or apply `changes` to it; returns (created, user)."""
    existing = await repository.find_org_user(ctx.db, partnerid, user_name)
    if existing is None:
        try:
            user = await create_user(
                ctx, email=changes.get("email"), password_hash=None, partnerid=partnerid, role=changes.get("role", ""),
                name=changes.get("name", ""), user_name=user_name, picture=changes.get("picture"),
            )
            return True, user
        except asyncpg.UniqueViolationError:  # created concurrently by another request: update it instead
            existing = await repository.find_org_user(ctx.db, partnerid, user_name)
            if existing is None:
                raise
    return False, await update_profile(ctx, existing, changes)


async def update_profile(ctx: Context, user: UserRecord, changes: dict[str, Any]) -> UserRecord:
    merged = {"email": user.email, "name": user.name, "role": user.role, "picture": user.picture, **changes}
    email_changed = (merged["email"] or "").lower() != (user.email or "").lower()
    role_changed = merged["role"] != user.role
    if merged == {"email": user.email, "name": user.name, "role": user.role, "picture": user.picture}:
        return user
    version = new_credential_version() if email_changed or role_changed else user.credential_version
    try:
        updated = await repository.update_profile(ctx.db, user.userid, credential_version=version, **merged)
    except asyncpg.UniqueViolationError as error:
        raise (_email_taken(error) or error) from None
    if email_changed or role_changed:
        # Cached principals carry the role, and Basic is keyed by email: verify afresh.
        await revoke_cached(ctx, emails=(user.email, updated.email), api_key_hash=user.api_key_hash)
    if role_changed:
        # Sessions carry the role too; a demoted admin must not keep admin sessions.
        await ctx.sessions.destroy_all(user.userid)
    if email_changed:
        await email_verification.offer_verification(ctx, updated)
    return updated


async def deprovision_org_user(ctx: Context, partnerid: int, user_name: str) -> None:
    """The user is deleted; its sessions end and its cached credentials stop at once."""
    user = await require_org_user(ctx, partnerid, user_name)
    await repository.delete_user(ctx.db, user.userid)
    await end_everything(ctx, user)
    log.info("user deprovisioned", extra={"fields": {"userid": user.userid, "partnerid": partnerid}})


async def set_disabled(ctx: Context, user: UserRecord, disabled: bool) -> UserRecord:
    updated = await repository.set_disabled(ctx.db, user.userid, disabled=disabled, credential_version=new_credential_version())
    if disabled:
        await end_everything(ctx, user)
    return updated


async def end_everything(ctx: Context, user: UserRecord) -> None:
    await revoke_cached(ctx, emails=(user.email,), api_key_hash=user.api_key_hash)
    await ctx.sessions.destroy_all(user.userid)


async def list_org_users(ctx: Context, partnerid: int, *, limit: int, after: int | None) -> tuple[list[UserRecord], str | None]:
    """A page of the organization's users in id order; the cursor is the last id seen."""
    page = await repository.list_org_users(ctx.db, partnerid, after_userid=after or 0, limit=limit + 1)
    next_cursor = str(page[limit - 1].userid) if len(page) > limit else None
    return page[:limit], next_cursor
