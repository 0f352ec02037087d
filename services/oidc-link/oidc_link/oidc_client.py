"""The relying-party side of the authorization code flow, done by authlib.

`authorization_url` builds the request (state, nonce, PKCE S256),
`exchange_code` trades the code for tokens at the provider's token endpoint,
and `userinfo` reads the claims an ID token left out (OIDC Core 5.3).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from latchkey.outages import deadline_paused

from .discovery import ProviderDiscovery
from .errors import ProviderUnavailable, SsoFailed

log = logging.getLogger("oidc_link.oidc_client")


def _client(discovery: ProviderDiscovery, redirect_uri: str, timeout: float) -> AsyncOAuth2Client:
    config = discovery.config
    return AsyncOAuth2Client(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scope=" ".join(config.scopes),
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=timeout,
    )


async def authorization_url(
    discovery: ProviderDiscovery, redirect_uri: str, *, state: str, nonce: str, code_verifier: str, timeout: float
) -> str:
    metadata = await discovery.metadata()
    async with _client(discovery, redirect_uri, timeout) as client:
        url, _state = client.create_authorization_url(
            metadata["authorization_endpoint"], state=state, nonce=nonce, code_verifier=code_verifier
        )
    return url


async def exchange_code(
    discovery: ProviderDiscovery, redirect_uri: str, *, code: str, code_verifier: str, timeout: float
) -> dict[str, Any]:
    """The provider's token response; it must carry an ID token."""
    metadata = await discovery.metadata()
    async with _client(discovery, redirect_uri, timeout) as client:
        try:
            async with deadline_paused():  # bounded by OIDC_PROVIDER_TIMEOUT instead
                token = await client.fetch_token(metadata["token_endpoint"], code=code, code_verifier=code_verifier)
        except OAuthError as error:
            # The provider refused the code (used, expired, wrong verifier): nothing to retry.
            log.info("code exchange refused", extra={"fields": {"provider": discovery.config.id, "error": error.error}})
            raise SsoFailed(code="token_exchange_failed") from None
        except (httpx.HTTPError, ValueError) as error:
            fields = {"provider": discovery.config.id, "error": type(error).__name__}
            log.warning("code exchange failed", extra={"fields": fields})
            raise ProviderUnavailable() from None
    if not isinstance(token.get("id_token"), str):
        raise SsoFailed("The provider answered without an ID token.", code="invalid_id_token")
    return dict(token)


async def userinfo(discovery: ProviderDiscovery, token: dict[str, Any], *, timeout: float) -> dict[str, Any] | None:
    """The provider's UserInfo claims for this access token; None when it has no endpoint or does not answer.

    Only a JSON answer is read (a signed or encrypted UserInfo JWT is not); the
    caller must still check its `sub` against the ID token's.
    """
    endpoint = (await discovery.metadata()).get("userinfo_endpoint")
    if not isinstance(endpoint, str) or not isinstance(token.get("access_token"), str):
        return None
    async with _client(discovery, "", timeout) as client:
        client.token = token
        try:
            async with deadline_paused():
                response = await client.get(endpoint, headers={"Accept": "application/json"})
            response.raise_for_status()
            claims = response.json()
        except (httpx.HTTPError, ValueError) as error:
            fields = {"provider": discovery.config.id, "error": type(error).__name__}
            log.warning("userinfo failed", extra={"fields": fields})
            return None
    return claims if isinstance(claims, dict) else None
