"""Reading settings from the environment, once, at start.

Each process declares one frozen dataclass of settings and builds it with
`Env` helpers; a bad value raises `SettingsError` naming the variable, so a
misconfigured process stops with one clear line instead of a stack trace later.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from . import redis_client
from .redis_client import DEFAULT_TIMEOUT as DEFAULT_REDIS_TIMEOUT


class SettingsError(Exception):
    """A configuration variable is missing or malformed."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


def load_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment, over an optional `.env` file in the working directory.

    Real environment variables win over the file, as with docker compose.
    """
    merged: dict[str, str] = {}
    env_file = Path(os.environ.get("LATCHKEY_ENV_FILE", ".env"))
    if env_file.is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ if environ is None else environ)
    return merged


class Env:
    """Typed accessors over a mapping of variables; every failure names the variable."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = values

    def raw(self, name: str) -> str | None:
        value = self._values.get(name)
        return value if value not in (None, "") else None

    def str(self, name: str, default: str | None = None) -> str:
        value = self.raw(name)
        if value is None:
            if default is None:
                raise SettingsError(name, "is required")
            return default
        return value

    def optional_str(self, name: str) -> str | None:
        return self.raw(name)

    def int(self, name: str, default: int, *, minimum: int = 0) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise SettingsError(name, f"must be an integer, got {value!r}") from None
        if number < minimum:
            raise SettingsError(name, f"must be at least {minimum}, got {number}")
        return number

    def float(self, name: str, default: float, *, minimum: float = 0.0) -> float:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise SettingsError(name, f"must be a number, got {value!r}") from None
        if number < minimum:
            raise SettingsError(name, f"must be at least {minimum}, got {number}")
        return number

    def bool(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise SettingsError(name, f"must be true or false, got {value!r}")

    def url(self, name: str, default: str | None = None, *, schemes: tuple[str, ...]) -> str:
        value = self.str(name, default)
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.netloc:
            raise SettingsError(name, f"must be a URL with scheme {' or '.join(schemes)}")
        return value.rstrip("/")

    def url_list(self, name: str, default: str | None = None) -> tuple[str, ...]:
        """Comma-separated http(s) base URLs, for a service running as several instances."""
        value = self.str(name, default)
        urls = tuple(u.strip().rstrip("/") for u in value.split(",") if u.strip())
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise SettingsError(name, f"{url!r} is not an http(s) URL")
        if not urls:
            raise SettingsError(name, "must list at least one URL")
        return urls

    def redis_url(self, name: str) -> str:
        """One node, a Sentinel-managed master or a Redis Cluster (latchkey.redis_client)."""
        value = self.str(name)
        try:
            redis_client.parse(value)
        except ValueError as error:
            raise SettingsError(name, str(error)) from None
        return value

    def secret_bytes(self, name: str, *, length: int) -> bytes:
        """A base64 (standard or url-safe) secret of exactly `length` bytes."""
        value = self.str(name)
        try:
            decoded = base64.urlsafe_b64decode(_pad(value.replace("+", "-").replace("/", "_")))
        except ValueError:
            raise SettingsError(name, "must be base64") from None
        if len(decoded) != length:
            raise SettingsError(name, f"must decode to {length} bytes, got {len(decoded)}")
        return decoded

    def key_map(self, name: str) -> dict[str, bytes]:
        """`issuer=base64key,issuer=base64key`: the public keys a process trusts."""
        value = self.str(name)
        keys: dict[str, bytes] = {}
        for item in value.split(","):
            issuer, sep, encoded = item.strip().partition("=")
            if not sep or not issuer:
                raise SettingsError(name, "must look like issuer=base64key,issuer=base64key")
            try:
                keys[issuer] = base64.urlsafe_b64decode(_pad(encoded))
            except ValueError:
                raise SettingsError(name, f"key for {issuer!r} is not base64") from None
            if len(keys[issuer]) != 32:
                raise SettingsError(name, f"key for {issuer!r} must be 32 bytes (Ed25519)")
        return keys


def _pad(value: str) -> str:
    return value + "=" * (-len(value) % 4)


SERVICE_NAMES = ("gateway", "session", "org-provisioning", "oidc-link")


@dataclass(frozen=True, slots=True)
class CommonSettings:
    """What every Latchkey process needs, whatever its role."""

    service: str
    host: str
    port: int
    public_url: str
    database_url: str | None
    redis_url: str
    redis_timeout: float
    # asyncpg's prepared statements cached per connection; 0 behind PgBouncer in transaction mode
    database_statement_cache: int
    log_level: str
    signing_key: bytes
    trusted_keys: dict[str, bytes]
    cache_hmac_key: bytes
    # How long a request waits on PostgreSQL, Redis or another service before answering 503.
    dependency_timeout: float
    session_cookie_samesite: str = "Lax"  # Lax, Strict or None (None only with a Secure cookie)
    loop_probe: bool = False  # event-loop lag and GC pause histograms on /metrics (latchkey.loop_probe)

    @classmethod
    def from_env(cls, env: Env, *, service: str, default_port: int, needs_database: bool = True) -> CommonSettings:
        port_var = f"{service.upper().replace('-', '_')}_PORT"
        public_url = env.url("PUBLIC_URL", "http://127.0.0.1:8080", schemes=("http", "https"))
        return cls(
            service=service,
            host=env.str("HOST", "127.0.0.1"),
            port=env.int(port_var, default_port, minimum=1),
            public_url=public_url,
            database_url=env.url("DATABASE_URL", schemes=("postgres", "postgresql")) if needs_database else None,
            redis_url=env.redis_url("REDIS_URL"),
            redis_timeout=env.float("REDIS_TIMEOUT", DEFAULT_REDIS_TIMEOUT, minimum=0.05),
            database_statement_cache=env.int("DATABASE_STATEMENT_CACHE", 100),
            log_level=env.str("LOG_LEVEL", "INFO").upper(),
            signing_key=env.secret_bytes(f"{service.upper().replace('-', '_')}_SIGNING_KEY", length=32),
            trusted_keys=env.key_map("INTERNAL_PUBLIC_KEYS"),
            cache_hmac_key=env.secret_bytes("CACHE_HMAC_KEY", length=32),
            dependency_timeout=env.float("DEPENDENCY_TIMEOUT", 3.0, minimum=0.1),
            session_cookie_samesite=_session_cookie_samesite(env, public_url),
            loop_probe=env.bool("LOOP_PROBE", False),
        )

    @property
    def public_is_https(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def session_cookie_secure(self) -> bool:
        # SameSite=None is refused by browsers without Secure; on a localhost PUBLIC_URL
        # (a developer's machine) browsers accept a Secure cookie over plain http.
        return self.public_is_https or self.session_cookie_samesite == "None"


_SAMESITE_VALUES = {"lax": "Lax", "strict": "Strict", "none": "None"}
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _session_cookie_samesite(env: Env, public_url: str) -> str:
    """`SESSION_COOKIE_SAMESITE`: Lax unless the operator's partner pages need the cookie cross-site."""
    name = "SESSION_COOKIE_SAMESITE"
    value = env.str(name, "Lax")
    samesite = _SAMESITE_VALUES.get(value.lower())
    if samesite is None:
        raise SettingsError(name, f"must be Lax, Strict or None, got {value!r}")
    parts = urlsplit(public_url)
    if samesite == "None" and parts.scheme != "https" and parts.hostname not in _LOOPBACK_HOSTS:
        raise SettingsError(name, "None needs a Secure cookie: an https PUBLIC_URL (or a localhost one)")
    return samesite
