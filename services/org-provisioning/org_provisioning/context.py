"""Everything the org-provisioning handlers hand to domain functions, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from latchkey.redis_client import RedisClient
from latchkey.security import SecretBox
from latchkey.session_client import SessionClient

from .settings import Settings


@dataclass(frozen=True, slots=True)
class Context:
    settings: Settings
    db: asyncpg.Pool
    redis: RedisClient
    sessions: SessionClient  # the owner of users and sessions, over its internal API
    box: SecretBox  # seals organization API keys for display (SECRETS_KEY)
