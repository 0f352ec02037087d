"""Identity tokens verified once per token: remembered only while the full check would still pass."""

from __future__ import annotations

import jwt
import pytest

from latchkey import tokens
from latchkey.errors import Unauthenticated
from latchkey.tokens import LEEWAY, Principal, TokenSigner, TokenVerifier, generate_signing_key

ADA = Principal(sub="7", org=1, role="USER", perms=frozenset({"oauth"}), amr=("pwd",), sid="h")


def _keys() -> tuple[bytes, dict[str, bytes]]:
    import base64

    seed, public = generate_signing_key()
    decode = lambda text: base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))  # noqa: E731
    return decode(seed), {"gateway": decode(public)}


def _verifier(trusted: dict[str, bytes], now: list[float]) -> TokenVerifier:
    return TokenVerifier("session", trusted, clock=lambda: now[0])


def test_a_remembered_token_is_refused_once_it_expires():
    seed, trusted = _keys()
    signer = TokenSigner("gateway", seed)
    token = signer.identity_token("session", ADA, lifetime=60)
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    now = [exp - 59]
    verifier = _verifier(trusted, now)
    assert verifier.principal(token) == ADA  # verified in full, remembered
    now[0] = exp + LEEWAY - 0.5
    assert verifier.principal(token) == ADA  # still within what the full check accepts
    now[0] = exp + LEEWAY
    with pytest.raises(Unauthenticated):
        verifier.principal(token)


def test_a_token_differing_in_any_byte_is_verified_afresh():
    seed, trusted = _keys()
    token = TokenSigner("gateway", seed).identity_token("session", ADA, lifetime=60)
    verifier = TokenVerifier("session", trusted)
    assert verifier.principal(token) == ADA
    header, payload, signature = token.split(".")
    forged_payload = payload[:-3] + ("A" if payload[-3] != "A" else "B") + payload[-2:]
    for forged in (f"{header}.{forged_payload}.{signature}", token + "A", token[:-1] + ("A" if token[-1] != "A" else "B")):
        with pytest.raises(Unauthenticated):
            verifier.principal(forged)


def test_a_token_of_another_audience_or_an_untrusted_key_is_never_remembered_as_valid():
    seed, trusted = _keys()
    other_seed, _ = _keys()
    verifier = TokenVerifier("session", trusted)
    for token in (
        TokenSigner("gateway", seed).identity_token("oidc-link", ADA, lifetime=60),
        TokenSigner("gateway", other_seed).identity_token("session", ADA, lifetime=60),
    ):
        for _ in range(2):
            with pytest.raises(Unauthenticated):
                verifier.principal(token)


def test_the_memory_of_verified_tokens_is_bounded(monkeypatch):
    monkeypatch.setattr(tokens, "VERIFIED_CACHE_ENTRIES", 8)
    seed, trusted = _keys()
    signer = TokenSigner("gateway", seed)
    verifier = TokenVerifier("session", trusted)
    for user in range(30):
        assert verifier.principal(signer.identity_token("session", Principal(sub=str(user)), lifetime=60)).sub == str(user)
        assert len(verifier._verified) <= 8
