"""The configured providers, each with its lazily discovered metadata and keys."""

from __future__ import annotations

import httpx

from .discovery import ProviderDiscovery
from .errors import unknown_issuer
from .provider_config import ProviderConfig


class ProviderRegistry:
    def __init__(self, configs: tuple[ProviderConfig, ...], http: httpx.AsyncClient) -> None:
        self._providers = {config.id: ProviderDiscovery(config, http) for config in configs}

    def get(self, provider_id: str) -> ProviderDiscovery | None:
        return self._providers.get(provider_id)

    def require(self, provider_id: object, field: str = "issuer") -> ProviderDiscovery:
        provider = self._providers.get(provider_id) if isinstance(provider_id, str) else None
        if provider is None:
            raise unknown_issuer(field)
        return provider

    def public(self, provider_id: str) -> dict[str, str]:
        """The SSOProvider object of a configured provider (or of one removed from config since)."""
        provider = self._providers.get(provider_id)
        if provider is None:
            return {"id": provider_id, "name": provider_id, "icon": ""}
        return provider.config.public()

    def ids(self) -> list[str]:
        return list(self._providers)

    def listing(self) -> list[dict[str, str]]:
        return [provider.config.public() for provider in self._providers.values()]
