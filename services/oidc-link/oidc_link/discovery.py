"""Provider metadata (OIDC Discovery) and signing keys (JWKS), fetched lazily and cached.

The cache lives in process memory: it is a copy of public documents that any
replica can fetch again, not state another replica needs. Discovery is kept
for `METADATA_TTL`; the JWKS is kept until an ID token names a key it does not
list, which is how providers announce a rotation.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from latchkey.outages import deadline_paused

from .errors import ProviderUnavailable
from .provider_config import ProviderConfig

log = logging.getLogger("oidc_link.discovery")
METADATA_TTL = 3600.0
_REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class ProviderDiscovery:
    def __init__(self, config: ProviderConfig, http: httpx.AsyncClient, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._http = http
        self._clock = clock
        self._lock = asyncio.Lock()
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None

    async def metadata(self) -> dict[str, Any]:
        async with self._lock:
            if self._metadata is None or self._clock() - self._metadata_at > METADATA_TTL:
                self._metadata = self._checked(await self._get_json(self.config.discovery_url))
                self._metadata_at = self._clock()
            return self._metadata

    async def keys(self, *, refresh: bool = False) -> KeySet:
        """The provider's signing keys; `refresh` fetches them again (once per call)."""
        metadata = await self.metadata()
        async with self._lock:
            if self._keys is None or refresh:
                document = await self._get_json(metadata["jwks_uri"])
                try:
                    self._keys = KeySet.import_key_set(document)
                except (JoseError, ValueError, KeyError, TypeError):
                    raise ProviderUnavailable("The identity provider published unusable keys.") from None
                log.info("jwks fetched", extra={"fields": {"provider": self.config.id, "keys": len(self._keys.keys)}})
            return self._keys

    def _checked(self, metadata: dict[str, Any]) -> dict[str, Any]:
        missing = [name for name in _REQUIRED if not isinstance(metadata.get(name), str)]
        if missing:
            raise ProviderUnavailable("The identity provider's discovery document lacks " + ", ".join(missing) + ".")
        # OIDC Discovery 4.3: the document must name the issuer we asked, or
        # anyone serving that URL could vouch for tokens of another issuer.
        if metadata["issuer"].rstrip("/") != self.config.issuer:
            raise ProviderUnavailable("The identity provider's discovery document names another issuer.")
        return metadata

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with deadline_paused():  # bounded by OIDC_PROVIDER_TIMEOUT instead
                response = await self._http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as error:
            log.warning("provider fetch failed", extra={"fields": {"provider": self.config.id, "error": type(error).__name__}})
            raise ProviderUnavailable() from None
        if not isinstance(document, dict):
            raise ProviderUnavailable()
        return document
