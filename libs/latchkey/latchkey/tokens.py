"""Internal identity and service-to-service JWTs (EdDSA, pyjwt).

The gateway turns every credential into a `Principal` and forwards it as a
short-lived JWT in `IDENTITY_HEADER`, signed with its own Ed25519 key and
addressed (`aud`) to the service it routes to. Services call each other's
`/internal/` routes with a JWT signed by the caller's own key in
`Authorization: Bearer`; the callee checks issuer, audience and expiry and
accepts only the issuers it names for that route.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .errors import Unauthenticated
from .inputs import ascii_id

IDENTITY_HEADER = "X-Latchkey-Identity"
ISSUER_PREFIX = "latchkey:"
MAX_LIFETIME = 60
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, whatever credential they used.

    `sub` is the user id as a string (or `org:<id>` for an organization key),
    `org` the organization id, `perms` the permission set (`oauth` for
    interactive sessions), `amr` the authentication methods, `sid` the session
    handle (a hash of the sesskey, never the key) when a session was used.
    """

    sub: str
    org: int | None = None
    role: str = ""
    perms: frozenset[str] = field(default_factory=frozenset)
    amr: tuple[str, ...] = ()
    sid: str | None = None

    @property
    def user_id(self) -> int | None:
        return ascii_id(self.sub)

    @property
    def is_org_key(self) -> bool:
        return "org_key" in self.amr

    @property
    def is_api_key(self) -> bool:
        return "api_key" in self.amr

    def claims(self) -> dict[str, Any]:
        return {
            "sub": self.sub,
            "org": self.org,
            "role": self.role,
            "perms": sorted(self.perms),
            "amr": list(self.amr),
            "sid": self.sid,
        }

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        return cls(
            sub=str(claims["sub"]),
            org=claims.get("org"),
            role=claims.get("role") or "",
            perms=frozenset(claims.get("perms") or ()),
            amr=tuple(claims.get("amr") or ()),
            sid=claims.get("sid"),
        )


def generate_signing_key() -> tuple[str, str]:
    """A new Ed25519 key pair as (private seed, public key), both base64url."""
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes_raw()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _b64(seed), _b64(public)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def public_jwk(public_key: bytes) -> dict[str, str]:
    """An Ed25519 public key as a JWK (RFC 8037) with its RFC 7638 thumbprint as `kid`."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64(public_key)}  # the thumbprint's members, in order
    thumbprint = hashlib.sha256(json.dumps(members, separators=(",", ":")).encode()).digest()
    return {**members, "kid": _b64(thumbprint), "alg": "EdDSA", "use": "sig"}


class TokenSigner:
    """Signs internal JWTs as one service."""

    def __init__(self, service: str, seed: bytes, *, clock: Clock = time.time) -> None:
        self.issuer = ISSUER_PREFIX + service
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        # Every token names its key, so a verifier holding several (a rotation) picks the right one.
        self._headers = {"kid": public_jwk(self.public_key)["kid"]}
        self._clock = clock

    def sign(self, audience: str, claims: dict[str, Any], lifetime: int = 30) -> str:
        return self.sign_to(ISSUER_PREFIX + audience, claims, lifetime)

    def sign_to(self, aud: str, claims: dict[str, Any], lifetime: int = 30) -> str:
        """A token with exactly this `aud` (an operator's upstream name is not prefixed)."""
        if lifetime > MAX_LIFETIME:
            raise ValueError("internal tokens live at most 60 seconds")
        now = int(self._clock())
        payload = {**claims, "iss": self.issuer, "aud": aud, "iat": now, "exp": now + lifetime}
        return jwt.encode(payload, self._key, algorithm="EdDSA", headers=self._headers)

    def identity_token(self, audience: str, principal: Principal, lifetime: int = 30) -> str:
        return self.sign(audience, principal.claims(), lifetime)

    def service_token(self, audience: str, lifetime: int = 30) -> str:
        return self.sign(audience, {"sub": self.issuer}, lifetime)


LEEWAY = 2
VERIFIED_CACHE_ENTRIES = 4096


class TokenVerifier:
    """Verifies internal JWTs addressed to one service.

    The gateway reuses one identity token for a principal for up to 20 of its
    60 seconds, so a service sees the same token many times. `principal`
    verifies a token fully once and then remembers it, keyed by its exact
    text, until it expires (plus the same leeway the full check allows): a
    token that differs in any byte is verified afresh, and a remembered one is
    refused from the moment the full check would refuse it. Only the signed
    claims are remembered; whether the user still exists or is enabled is the
    handler's question, asked of the database on every request.
    """

    def __init__(self, service: str, trusted_keys: dict[str, bytes], *, clock: Clock = time.time) -> None:
        self.audience = ISSUER_PREFIX + service
        self._keys = {ISSUER_PREFIX + name: Ed25519PublicKey.from_public_bytes(raw) for name, raw in trusted_keys.items()}
        self._clock = clock
        self._verified: dict[str, tuple[Principal, float]] = {}

    def verify(self, token: str, *, issuers: Iterable[str]) -> dict[str, Any]:
        allowed = {ISSUER_PREFIX + name for name in issuers}
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
            issuer = unverified.get("iss")
            if issuer not in allowed or issuer not in self._keys:
                raise Unauthenticated("Internal token from an untrusted issuer.", code="invalid_internal_token")
            return jwt.decode(
                token,
                self._keys[issuer],
                algorithms=["EdDSA"],
                audience=self.audience,
                issuer=issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=LEEWAY,
            )
        except (jwt.PyJWTError, UnicodeError):  # a header of non-UTF-8 bytes arrives with surrogates
            raise Unauthenticated("Internal token is not valid.", code="invalid_internal_token") from None

    def principal(self, token: str) -> Principal:
        """The principal of a gateway-signed identity token (verified once per token, see the class)."""
        now = self._clock()
        known = self._verified.get(token)
        if known is not None:
            principal, valid_until = known
            if now < valid_until:
                return principal
            del self._verified[token]
            raise Unauthenticated("Internal token is not valid.", code="invalid_internal_token")
        claims = self.verify(token, issuers=("gateway",))
        if claims["exp"] - claims["iat"] > MAX_LIFETIME:
            raise Unauthenticated("Internal token lives too long.", code="invalid_internal_token")
        principal = Principal.from_claims(claims)
        if len(self._verified) >= VERIFIED_CACHE_ENTRIES:
            self._forget_expired(now)
        self._verified[token] = (principal, claims["exp"] + LEEWAY)
        return principal

    def _forget_expired(self, now: float) -> None:
        """Bounded: expired entries go first; if every entry is still live, all go (they are re-verified)."""
        live = {token: entry for token, entry in self._verified.items() if entry[1] > now}
        self._verified = live if len(live) < VERIFIED_CACHE_ENTRIES // 2 else {}
