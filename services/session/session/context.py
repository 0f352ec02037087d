"""Everything the session service's domain functions need, built once per process.

The app builds it from its pooled resources; the operator module opens its own
for one command. Domain functions take it as their first argument, so tests
and the CLI call them with real stores.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from latchkey import storage
from latchkey.background import Background
from latchkey.mail import Outbox
from latchkey.one_time_tokens import OneTimeTokens
from latchkey.rate_limits import FixedWindow
from latchkey.security import SecretBox
from latchkey.security_events import EventLog

from . import SCHEMA
from .lockout import LoginLimiter
from .passwords import Passwords
from .sessions import SessionStore
from .settings import Settings


@dataclass(frozen=True, slots=True)
class Context:
    settings: Settings
    db: asyncpg.Pool
    redis: storage.RedisClient
    sessions: SessionStore
    passwords: Passwords
    limiter: LoginLimiter
    box: SecretBox  # seals API keys for display (SECRETS_KEY)
    clock: Callable[[], float]
    # account self-service (docs/api.md §7)
    outbox: Outbox
    reset_tokens: OneTimeTokens
    verification_tokens: OneTimeTokens
    email_change_tokens: OneTimeTokens
    mail_per_recipient: FixedWindow  # per email (reset) or per user (verification)
    mail_per_address: FixedWindow
    events: EventLog
    background: Background

    @property
    def cache_hmac_key(self) -> bytes:
        return self.settings.common.cache_hmac_key


def build_context(settings: Settings, db: asyncpg.Pool, client: storage.RedisClient, *, clock: Callable[[], float] = time.time) -> Context:
    return Context(
        settings=settings,
        db=db,
        redis=client,
        sessions=SessionStore(
            client, idle_timeout=settings.idle_timeout, absolute_lifetime=settings.absolute_lifetime, clock=clock
        ),
        passwords=Passwords(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            threads=settings.argon2_threads,
        ),
        limiter=LoginLimiter(
            client,
            settings.common.cache_hmac_key,
            max_failures=settings.login_max_failures,
            max_failures_per_address=settings.login_max_failures_per_address,
            lockout_seconds=settings.login_lockout_seconds,
        ),
        box=SecretBox(settings.secrets_key),
        clock=clock,
        outbox=Outbox(client, SecretBox(settings.secrets_key), settings.mail, clock=clock),
        reset_tokens=OneTimeTokens(client, "pwreset:", ttl=settings.password_reset_ttl, clock=clock),
        verification_tokens=OneTimeTokens(client, "emailverify:", ttl=settings.email_verification_ttl, clock=clock),
        email_change_tokens=OneTimeTokens(client, "emailchange:", ttl=settings.email_verification_ttl, clock=clock),
        mail_per_recipient=FixedWindow(client, "mail:r:", limit=settings.mail_max_per_email, window=3600),
        mail_per_address=FixedWindow(client, "mail:a:", limit=settings.mail_max_per_address, window=3600),
        events=EventLog(SCHEMA),
        background=Background(),
    )


@asynccontextmanager
async def open_context(settings: Settings) -> AsyncIterator[Context]:
    """A context with its own small pool and Redis client, closed on exit (for one-off commands)."""
    pool = await asyncpg.create_pool(settings.common.database_url, min_size=1, max_size=2, **storage.postgres_options(settings.common))
    client = storage.open_redis_for(settings.common)
    ctx = build_context(settings, pool, client)
    try:
        yield ctx
        await ctx.background.settle()
    finally:
        ctx.passwords.close()
        await client.aclose()
        await pool.close()
