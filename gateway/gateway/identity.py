"""The identity a request carries upstream: the JWT, the opt-in plain headers, the published keys.

An Ed25519 signature per request is a measurable share of the gateway's
work, so a token for the same (principal, audience) is reused for up to
`REUSE_SECONDS` of its `LIFETIME`. That is safe because the principal was
verified afresh for this request (the cache holds only what we would sign
anyway) and a reused token still has at least 40 seconds left when it arrives.

The operator's services verify the same JWT with the keys of
`GET /.well-known/jwks.json` (docs/api.md §6): the current signing key and, during a
rotation, the earlier ones (`GATEWAY_PREVIOUS_PUBLIC_KEYS`) so that a token
signed just before the switch stays valid for the rest of its minute.
"""

from __future__ import annotations

import time
from typing import Any

from latchkey.tokens import Clock, Principal, TokenSigner, public_jwk

LIFETIME = 60
REUSE_SECONDS = 20
MAX_ENTRIES = 10_000

# Plain headers for an upstream that opts in (`identity_headers = true`); inbound copies are always dropped.
USER_HEADER = "X-Latchkey-User"
ORG_HEADER = "X-Latchkey-Org"
ROLE_HEADER = "X-Latchkey-Role"
AUTH_HEADER = "X-Latchkey-Auth"


class IdentityTokens:
    def __init__(self, signer: TokenSigner, *, clock: Clock = time.monotonic) -> None:
        self._signer = signer
        self._clock = clock
        self._tokens: dict[tuple[Principal, str], tuple[str, float]] = {}

    def token(self, principal: Principal, aud: str) -> str:
        """A JWT for `aud` exactly (`latchkey:session`, or an operator's upstream name)."""
        key = (principal, aud)
        now = self._clock()
        cached = self._tokens.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        if len(self._tokens) >= MAX_ENTRIES:
            self._tokens.clear()  # crude but bounded: a burst of distinct principals just re-signs
        token = self._signer.sign_to(aud, principal.claims(), lifetime=LIFETIME)
        self._tokens[key] = (token, now + REUSE_SECONDS)
        return token


def plain_headers(principal: Principal) -> list[tuple[str, str]]:
    """The principal as plain headers: user id (or `org:<id>`), organization id, role, methods."""
    headers = [(USER_HEADER, principal.sub)]
    if principal.org is not None:
        headers.append((ORG_HEADER, str(principal.org)))
    if principal.role:
        headers.append((ROLE_HEADER, principal.role))
    headers.append((AUTH_HEADER, ",".join(principal.amr)))
    return headers


def jwks_document(signer: TokenSigner, previous_public_keys: tuple[bytes, ...] = ()) -> dict[str, Any]:
    """The JWK Set of the keys whose tokens a service may still receive: the current one first."""
    keys = [public_jwk(signer.public_key)]
    keys += [public_jwk(key) for key in previous_public_keys if key != signer.public_key]
    return {"keys": keys}
