"""Settings of the org-provisioning service, read once at start."""

from __future__ import annotations

from dataclasses import dataclass

from latchkey.settings import CommonSettings, Env, load_environment

from . import SERVICE


@dataclass(frozen=True, slots=True)
class Settings:
    common: CommonSettings
    session_urls: tuple[str, ...]
    secrets_key: bytes
    refresh_token_ttl: float
    event_retention_days: float  # the organization's security log keeps this long

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = Env(load_environment(environ))
        return cls(
            common=CommonSettings.from_env(env, service=SERVICE, default_port=8082),
            session_urls=env.url_list("SESSION_URLS", "http://127.0.0.1:8081"),
            # Seals org API keys at rest; they are shown again on the Integrations page.
            secrets_key=env.secret_bytes("SECRETS_KEY", length=32),
            refresh_token_ttl=env.float("REFRESH_TOKEN_TTL", 300, minimum=0.5),
            event_retention_days=env.float("EVENT_RETENTION_DAYS", 90, minimum=0.0001),
        )
