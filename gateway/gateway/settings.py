"""Settings of the gateway, read once at start."""

from __future__ import annotations

from dataclasses import dataclass

from latchkey.settings import CommonSettings, Env, SettingsError, load_environment

from . import SERVICE
from .cors import parse_allowed_origins


@dataclass(frozen=True, slots=True)
class Settings:
    common: CommonSettings
    session_urls: tuple[str, ...]
    org_provisioning_urls: tuple[str, ...]
    oidc_link_urls: tuple[str, ...]
    idle_timeout: float
    absolute_lifetime: float
    max_body_bytes: int
    connect_timeout: float
    read_timeout: float
    cors_allowed_origins: tuple[str, ...]  # canonical origins that browsers may call the API from

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = Env(load_environment(environ))
        return cls(
            common=CommonSettings.from_env(env, service=SERVICE, default_port=8080, needs_database=False),
            session_urls=_service_urls(env, "SESSION_URLS", "http://127.0.0.1:8081"),
            org_provisioning_urls=_service_urls(env, "ORG_PROVISIONING_URLS", "http://127.0.0.1:8082"),
            oidc_link_urls=_service_urls(env, "OIDC_LINK_URLS", "http://127.0.0.1:8083"),
            idle_timeout=env.float("SESSION_IDLE_TIMEOUT", 20 * 60, minimum=0.1),
            absolute_lifetime=env.float("SESSION_ABSOLUTE_LIFETIME", 12 * 3600, minimum=0.1),
            max_body_bytes=env.int("GATEWAY_MAX_BODY_BYTES", 1024 * 1024, minimum=1024),
            connect_timeout=env.float("GATEWAY_CONNECT_TIMEOUT", 2.0, minimum=0.01),
            read_timeout=env.float("GATEWAY_READ_TIMEOUT", 15.0, minimum=0.01),
            cors_allowed_origins=parse_allowed_origins("CORS_ALLOWED_ORIGINS", env.raw("CORS_ALLOWED_ORIGINS")),
        )


def _service_urls(env: Env, name: str, default: str) -> tuple[str, ...]:
    """The forwarding client speaks plain HTTP/1.1: services sit on the private network, TLS ends at the edge."""
    urls = env.url_list(name, default)
    for url in urls:
        if not url.startswith("http://"):
            raise SettingsError(name, f"{url!r}: the gateway reaches services over http:// on the private network")
    return urls
