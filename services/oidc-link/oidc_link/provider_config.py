"""OpenID providers from a TOML file, validated once at start.

    [[providers]]
    id = "google"                                  # used in URLs: /api/v1/sso/google/login
    name = "Google"
    icon = "https://example.com/google.svg"
    issuer = "https://accounts.google.com"          # discovery at issuer + /.well-known/openid-configuration
    client_id = "1234.apps.googleusercontent.com"
    client_secret_env = "OIDC_GOOGLE_CLIENT_SECRET" # the NAME of the variable holding the secret
    scopes = ["openid", "email", "profile"]         # optional; this is the default

The secret itself never sits in the file: files get committed and copied,
environment variables come from the deployment's secret store.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from latchkey.settings import Env, SettingsError

VARIABLE = "OIDC_PROVIDERS_FILE"
DEFAULT_SCOPES = ("openid", "email", "profile")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Path segments the SSO routes already use next to /api/v1/sso/{issuer}.
_RESERVED_IDS = frozenset({"callback", "providers"})
_KEYS = frozenset({"id", "name", "icon", "issuer", "client_id", "client_secret_env", "scopes"})
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    id: str
    name: str
    icon: str
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    scopes: tuple[str, ...] = DEFAULT_SCOPES

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def public(self) -> dict[str, str]:
        """The `SSOProvider` object of the API."""
        return {"id": self.id, "name": self.name, "icon": self.icon}


def load_providers(path: str | None, env: Env) -> tuple[ProviderConfig, ...]:
    """The providers listed in the file at `path`; none when no file is configured."""
    if path is None:
        return ()
    try:
        document = tomllib.loads(Path(path).read_text())
    except OSError as error:
        raise SettingsError(VARIABLE, f"cannot read {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(VARIABLE, f"{path} is not valid TOML: {error}") from None
    entries = document.get("providers", [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise SettingsError(VARIABLE, f"{path}: providers must be an array of tables ([[providers]])")
    providers = tuple(_provider(index, entry, env) for index, entry in enumerate(entries))
    seen: set[str] = set()
    for provider in providers:
        if provider.id in seen:
            raise SettingsError(VARIABLE, f"{path}: two providers share the id {provider.id!r}")
        seen.add(provider.id)
    return providers


def _provider(index: int, entry: dict[str, Any], env: Env) -> ProviderConfig:
    label = f"providers[{index}]" + (f" ({entry['id']!r})" if isinstance(entry.get("id"), str) else "")

    def fail(key: str, problem: str) -> SettingsError:
        return SettingsError(VARIABLE, f"{label}.{key}: {problem}")

    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise fail(unknown[0], "unknown field (expected " + ", ".join(sorted(_KEYS)) + ")")

    def text(key: str) -> str:
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail(key, "is required and must be a non-empty string")
        return value.strip()

    provider_id = text("id")
    if not _ID.match(provider_id) or provider_id in _RESERVED_IDS:
        raise fail("id", "must be 1-63 of [a-z0-9_-], start with a letter or digit, and not be 'callback' or 'providers'")
    issuer = text("issuer").rstrip("/")
    parts = urlsplit(issuer)
    local = parts.hostname in _LOCAL_HOSTS
    if not parts.netloc or parts.scheme not in ("https", "http") or (parts.scheme == "http" and not local):
        raise fail("issuer", "must be an https URL (http is allowed for localhost only)")
    if parts.query or parts.fragment:
        raise fail("issuer", "must not carry a query or fragment")
    secret_env = text("client_secret_env")
    if not _ENV_NAME.match(secret_env):
        raise fail("client_secret_env", "must be the NAME of an environment variable, not the secret")
    secret = env.optional_str(secret_env)
    if secret is None:
        raise fail("client_secret_env", f"the environment variable {secret_env} is not set")
    scopes = entry.get("scopes", list(DEFAULT_SCOPES))
    if not isinstance(scopes, list) or not all(isinstance(s, str) and s and " " not in s for s in scopes):
        raise fail("scopes", "must be an array of scope names")
    if "openid" not in scopes:
        raise fail("scopes", "must include 'openid'")
    return ProviderConfig(
        id=provider_id,
        name=text("name"),
        icon=text("icon"),
        issuer=issuer,
        client_id=text("client_id"),
        client_secret=secret,
        scopes=tuple(scopes),
    )
