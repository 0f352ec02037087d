"""Settings of the oidc-link service, read once at start."""

from __future__ import annotations

from dataclasses import dataclass

from latchkey.settings import CommonSettings, Env, load_environment

from . import SERVICE
from .provider_config import ProviderConfig, load_providers


@dataclass(frozen=True, slots=True)
class Settings:
    common: CommonSettings
    session_urls: tuple[str, ...]
    providers: tuple[ProviderConfig, ...]
    # How long a started link or sign-in may take at the provider.
    flow_ttl: int
    # Clock skew tolerated on the ID token's exp and iat.
    id_token_leeway: int
    # Timeout of each call to a provider (discovery, JWKS, token endpoint).
    provider_timeout: float

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = Env(load_environment(environ))
        return cls(
            common=CommonSettings.from_env(env, service=SERVICE, default_port=8083),
            session_urls=env.url_list("SESSION_URLS", "http://127.0.0.1:8081"),
            providers=load_providers(env.optional_str("OIDC_PROVIDERS_FILE"), env),
            flow_ttl=env.int("OIDC_FLOW_TTL", 600, minimum=1),
            id_token_leeway=env.int("OIDC_ID_TOKEN_LEEWAY", 60, minimum=0),
            provider_timeout=env.float("OIDC_PROVIDER_TIMEOUT", 5.0, minimum=0.1),
        )

    @property
    def redirect_uri(self) -> str:
        """Where providers send the browser back: through the gateway, to our callback."""
        return self.common.public_url + "/api/v1/sso/callback"
