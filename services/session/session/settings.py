"""Settings of the session service, read once at start."""

from __future__ import annotations

from dataclasses import dataclass

from latchkey.settings import CommonSettings, Env, load_environment

from . import SERVICE


@dataclass(frozen=True, slots=True)
class Settings:
    common: CommonSettings
    idle_timeout: float
    absolute_lifetime: float
    secrets_key: bytes

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = Env(load_environment(environ))
        return cls(
            common=CommonSettings.from_env(env, service=SERVICE, default_port=8081),
            idle_timeout=env.float("SESSION_IDLE_TIMEOUT", 20 * 60, minimum=0.1),
            absolute_lifetime=env.float("SESSION_ABSOLUTE_LIFETIME", 12 * 3600, minimum=0.1),
            secrets_key=env.secret_bytes("SECRETS_KEY", length=32),
        )
