"""Security primitives, reviewed once and used everywhere.

Random tokens, one-way hashes of keys for lookup, HMAC, AES-GCM for secrets
that must be shown again, and constant-time comparison. Nothing else in the
code base calls `secrets`, `hashlib` or `cryptography` for these jobs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_BASE32_LOWER = "abcdefghijklmnopqrstuvwxyz234567"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def random_text(alphabet: str, length: int) -> str:
    """`length` characters drawn uniformly from `alphabet`, from one read of the OS's random source.

    `secrets.choice` per character makes one getrandom call each: 26 system calls per session key
    were a tenth of a login's CPU outside the hash. Bytes at or past the largest multiple of the
    alphabet's size are skipped, so no character is favoured.
    """
    size = len(alphabet)
    limit = 256 - 256 % size
    chars: list[str] = []
    while len(chars) < length:
        chars.extend(alphabet[byte % size] for byte in secrets.token_bytes(2 * length) if byte < limit)
    return "".join(chars[:length])


def session_key() -> str:
    """26 lowercase base32 characters: 130 random bits, the familiar sesskey shape."""
    return random_text(_BASE32_LOWER, 26)


def api_key() -> str:
    """30 base62 characters: about 178 random bits."""
    return random_text(_BASE62, 30)


def recovery_code() -> str:
    """A two-factor recovery code: 16 lowercase base32 characters (80 random bits) in groups of four."""
    raw = random_text(_BASE32_LOWER, 16)
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def url_token(nbytes: int = 32) -> str:
    """A URL-safe random token, for refresh tokens, OIDC state and nonces."""
    return secrets.token_urlsafe(nbytes)


def lookup_hash(secret: str) -> str:
    """SHA-256 of a high-entropy secret, for storage and lookup.

    A plain hash is enough (and fast enough for every request) because the
    secrets hashed here are random keys, not passwords: nobody can guess them.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def keyed_hash(key: bytes, message: str) -> str:
    """HMAC-SHA-256, for low-entropy values (an email and password pair)."""
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def short_fingerprint(secret: str) -> str:
    """A short hash prefix that identifies a secret in a log line without revealing it."""
    return hashlib.sha256(secret.encode()).hexdigest()[:8]


def constant_time_equals(a: str | bytes, b: str | bytes) -> bool:
    if isinstance(a, str):
        a = a.encode()
    if isinstance(b, str):
        b = b.encode()
    return hmac.compare_digest(a, b)


class SecretBox:
    """AES-256-GCM for secrets that must be displayed again (API keys).

    The ciphertext carries its random 96-bit nonce in front and is bound to an
    `associated` label (the owning row), so a ciphertext copied to another row
    does not decrypt.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("SecretBox needs a 32-byte key")
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, associated: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), associated.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, token: str, associated: str) -> str:
        raw = base64.urlsafe_b64decode(token.encode())
        try:
            return self._aead.decrypt(raw[:12], raw[12:], associated.encode()).decode()
        except InvalidTag:
            raise ValueError("secret does not decrypt with this key") from None
