"""Identity tokens: signed once per (principal, audience), reused briefly, always verifiable."""

from __future__ import annotations

from gateway.identity import REUSE_SECONDS, IdentityTokens
from latchkey.settings import Env
from latchkey.tokens import Principal, TokenSigner, TokenVerifier

ADA = Principal(sub="7", org=1, perms=frozenset({"oauth"}), amr=("pwd",), sid="h")


def test_a_token_is_reused_for_the_same_principal_and_audience_then_renewed(base_env):
    env = Env(base_env)
    now = [1000.0]
    signer = TokenSigner("gateway", env.secret_bytes("GATEWAY_SIGNING_KEY", length=32), clock=lambda: now[0])
    tokens = IdentityTokens(signer, clock=lambda: now[0])
    first = tokens.token(ADA, "latchkey:session")
    assert tokens.token(Principal(sub="7", org=1, perms=frozenset({"oauth"}), amr=("pwd",), sid="h"), "latchkey:session") == first
    assert tokens.token(ADA, "latchkey:oidc-link") != first
    assert tokens.token(Principal(sub="8"), "latchkey:session") != first
    now[0] += REUSE_SECONDS + 0.1
    assert tokens.token(ADA, "latchkey:session") != first


def test_a_reused_token_is_what_the_service_accepts(base_env):
    env = Env(base_env)
    tokens = IdentityTokens(TokenSigner("gateway", env.secret_bytes("GATEWAY_SIGNING_KEY", length=32)))
    verifier = TokenVerifier("session", env.key_map("INTERNAL_PUBLIC_KEYS"))
    claims = verifier.verify(tokens.token(ADA, "latchkey:session"), issuers=("gateway",))
    assert claims["exp"] - claims["iat"] <= 60
    assert verifier.principal(tokens.token(ADA, "latchkey:session")) == ADA
