"""Which `authRedirectUrl` values an organization may set.

The gateway sends browsers to this URL on login, so it must be an absolute
https URL on a real host (http only for a developer's own machine). Anything
a browser might read differently from our parser is refused outright rather
than normalised: backslashes, control characters, userinfo, fragments.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_LENGTH = 2048
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")
_FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")


def auth_redirect_url_problem(value: object) -> str | None:
    """Why `value` is not an acceptable authRedirectUrl, or None when it is."""
    if not isinstance(value, str):
        return "must be a string or null"
    if len(value) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    if _FORBIDDEN_CHARACTERS.search(value):
        return "must not contain spaces, control characters or backslashes"
    lowered = value.lower()
    if not (lowered.startswith("https://") or lowered.startswith("http://")):
        return "must be a full address starting with https:// (http:// only for localhost)"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return "is not a valid URL"
    if "#" in value:
        return "must not have a fragment"
    if "@" in parts.netloc:
        return "must not carry a user name or password"
    host = (parts.hostname or "").lower()
    if host not in _LOCAL_HOSTS and not _HOSTNAME.match(host):
        return "must name a valid host"
    if parts.scheme.lower() == "http" and host not in _LOCAL_HOSTS:
        return "must use https (http is allowed only for localhost)"
    return None
