"""The internal identity JWT forwarded with each request, signed once and reused briefly.

An Ed25519 signature per request is a measurable share of the gateway's
work, so a token for the same (principal, audience) is reused for up to
`REUSE_SECONDS` of its `LIFETIME`. That is safe because the principal was
verified afresh for this request (the cache holds only what we would sign
anyway) and a reused token still has at least 40 seconds left when it arrives.
"""

from __future__ import annotations

import time

from latchkey.tokens import Clock, Principal, TokenSigner

LIFETIME = 60
REUSE_SECONDS = 20
MAX_ENTRIES = 10_000


class IdentityTokens:
    def __init__(self, signer: TokenSigner, *, clock: Clock = time.monotonic) -> None:
        self._signer = signer
        self._clock = clock
        self._tokens: dict[tuple[Principal, str], tuple[str, float]] = {}

    def token(self, principal: Principal, audience: str) -> str:
        key = (principal, audience)
        now = self._clock()
        cached = self._tokens.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        if len(self._tokens) >= MAX_ENTRIES:
            self._tokens.clear()  # crude but bounded: a burst of distinct principals just re-signs
        token = self._signer.identity_token(audience, principal, lifetime=LIFETIME)
        self._tokens[key] = (token, now + REUSE_SECONDS)
        return token
