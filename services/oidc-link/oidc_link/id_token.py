"""ID token checks (OIDC Core 3.1.3.7), done by joserfc and authlib's CodeIDToken.

Signature from the provider's JWKS, then `iss`, `aud` (and `azp`), `exp`,
`iat` not in the future, `nonce` equal to the one we sent, `at_hash` when
present. A token naming a key id the cached JWKS lacks triggers exactly one
JWKS refresh (the provider may have rotated its keys) before being refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jws import JWSRegistry

from .discovery import ProviderDiscovery
from .errors import SsoFailed

log = logging.getLogger("oidc_link.id_token")
DEFAULT_ALGORITHMS = ("RS256",)
# Symmetric and "none" algorithms are never accepted, whatever discovery says.
ACCEPTED_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})


async def validate_id_token(
    discovery: ProviderDiscovery,
    id_token: str,
    *,
    nonce: str,
    access_token: str | None,
    now: Callable[[], float],
    leeway: int,
) -> dict[str, Any]:
    """The verified claims of `id_token`; `SsoFailed("invalid_id_token")` otherwise."""
    config = discovery.config
    metadata = await discovery.metadata()
    offered = metadata.get("id_token_signing_alg_values_supported") or DEFAULT_ALGORITHMS
    algorithms = [alg for alg in offered if alg in ACCEPTED_ALGORITHMS] or list(DEFAULT_ALGORITHMS)
    # Not strict on header names: providers add their own (x5t, typ variants).
    registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
    try:
        try:
            token = jwt.decode(id_token, await discovery.keys(), registry=registry)
        except InvalidKeyIdError:
            token = jwt.decode(id_token, await discovery.keys(refresh=True), registry=registry)
        claims = CodeIDToken(
            token.claims,
            token.header,
            {
                "iss": {"essential": True, "value": metadata["issuer"]},
                "aud": {"essential": True, "value": config.client_id},
                "sub": {"essential": True},
            },
            {"nonce": nonce, "client_id": config.client_id, "access_token": access_token},
        )
        claims.validate(now=int(now()), leeway=leeway)
    except (JoseError, ValueError) as error:
        reason = {"provider": config.id, "reason": type(error).__name__, "detail": str(error)[:120]}
        log.info("id token refused", extra={"fields": reason})
        raise SsoFailed("The identity provider's ID token is not valid.", code="invalid_id_token") from None
    # An empty nonce would pass validate_nonce's "if nonce_value" check; we
    # always send one, so always require it back.
    if not nonce or claims.get("nonce") != nonce:
        raise SsoFailed("The identity provider's ID token is not valid.", code="invalid_id_token")
    return dict(claims)
