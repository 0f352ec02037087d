"""What an operator may do to users, for the `latchkey` CLI (docs/internal-api.md "Operator modules").

Each call opens its own small pool and Redis client from the settings and
closes them, so the CLI needs no running service. Errors are LatchkeyErrors
(`email_taken`, `not_found`, `validation_failed`) the CLI prints in one line.
"""

from __future__ import annotations

from typing import Any

from latchkey.errors import NotFound

from . import password_changes, repository, users
from .context import open_context
from .fields import check_email
from .passwords import check_new_password
from .settings import Settings


async def create_user(settings: Settings, *, email: str, password: str, org_id: int | None, role: str = "", name: str = "") -> dict[str, Any]:
    email = check_email(email)
    check_new_password(password)
    async with open_context(settings) as ctx:
        password_hash = await ctx.passwords.hash(password)
        user = await users.create_user(ctx, email=email, password_hash=password_hash, partnerid=org_id, role=role or "", name=name or "")
        return users.user_out(user)


async def set_password(settings: Settings, *, email: str, password: str) -> None:
    check_new_password(password)
    async with open_context(settings) as ctx:
        await password_changes.set_password(ctx, await _user_by_email(ctx, email), password)


async def set_disabled(settings: Settings, *, email: str, disabled: bool) -> None:
    async with open_context(settings) as ctx:
        await users.set_disabled(ctx, await _user_by_email(ctx, email), disabled)


async def _user_by_email(ctx, email: str) -> repository.UserRecord:
    user = await repository.find_user_by_email(ctx.db, email.strip())
    if user is None:
        raise NotFound(f"No user with email {email!r}.")
    return user
