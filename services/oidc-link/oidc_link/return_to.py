"""Where the browser goes after SSO: only ever a path on this site.

`return_to` arrives from the browser, so anything that could leave the site
(`//evil.com`, `/\\evil.com`, `https://...`, control characters) is refused
rather than "cleaned": an open redirect is a phishing tool.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from latchkey.errors import ValidationFailed

MAX_LENGTH = 2048


def safe_return_path(value: object, *, default: str, field: str = "return_to") -> str:
    if value is None or value == "":
        return default
    if not isinstance(value, str) or len(value) > MAX_LENGTH:
        raise ValidationFailed({field: "must be a path on this site"})
    parts = urlsplit(value)
    if (
        not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value)
        or parts.scheme
        or parts.netloc
    ):
        raise ValidationFailed({field: "must be a path on this site"})
    return parts.path + (f"?{parts.query}" if parts.query else "")


def site_url(public_url: str, path: str, **params: str) -> str:
    """`public_url` + `path`, with `params` added to the path's own query."""
    if not params:
        return public_url + path
    separator = "&" if "?" in path else "?"
    return public_url + path + separator + urlencode(params)
