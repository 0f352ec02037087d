"""Where a browser may be sent back to after signing in: a path on this site, nothing else.

`return_to` arrives from the address bar, so it is attacker-controlled. Browsers
read `//evil.example`, `/\\evil.example` and `https://evil.example` as other sites,
and they (or a proxy) may decode percent-escapes once more before acting, so
every decoding of the value is checked, not just the one aiohttp gave us.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from latchkey.errors import BadRequest

DEFAULT_RETURN_PATH = "/account"
MAX_LENGTH = 2048
# Decoding rounds checked: `%252F%252F` needs two to become `//`.
_DECODE_ROUNDS = 3


class UnsafeReturnTo(BadRequest):
    code = "invalid_return_to"
    message = "The return address must be a page on this site."


def safe_return_path(raw: str | None) -> str:
    """`raw` when it is a path on this site, the account page when absent; else `UnsafeReturnTo`."""
    if raw is None or raw == "":
        return DEFAULT_RETURN_PATH
    if len(raw) > MAX_LENGTH:
        raise UnsafeReturnTo()
    candidate = raw
    for _ in range(_DECODE_ROUNDS):
        if not _is_local_path(candidate):
            raise UnsafeReturnTo()
        decoded = unquote(candidate)
        if decoded == candidate:
            break
        candidate = decoded
    else:
        raise UnsafeReturnTo()  # still changing after three rounds: nobody needs that
    return raw


def _is_local_path(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//"):
        return False
    if "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return False  # browsers drop tabs and newlines from URLs, which can turn `/\t/x` into `//x`
    parts = urlsplit(value)
    return parts.scheme == "" and parts.netloc == ""
