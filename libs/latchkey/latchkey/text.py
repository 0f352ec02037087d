"""Text a service can store and hash: no NUL, no lone surrogate.

JSON can spell both (`\\u0000`, `\\ud800`) and percent-encoding can carry NUL,
but PostgreSQL text rejects NUL and `str.encode()` rejects a lone surrogate, so
either reaching a query or a hash would be a 500. Check at the edge of a handler.
"""

from __future__ import annotations

import re
from typing import Any

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
PROBLEM = "must not contain NUL or invalid characters"


def is_storable(value: Any) -> bool:
    """True unless `value` (a string, or any JSON structure) holds a NUL or a lone surrogate."""
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is None
    if isinstance(value, dict):
        return all(is_storable(key) and is_storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(is_storable(item) for item in value)
    return True


def unstorable_fields(body: dict[str, Any]) -> dict[str, str]:
    """The fields of a JSON object that are not storable text, each with the problem (for ValidationFailed)."""
    fields = {key: PROBLEM for key, value in body.items() if not is_storable(value)}
    if not fields and not all(is_storable(key) for key in body):
        fields["body"] = PROBLEM
    return {key if is_storable(key) else "body": problem for key, problem in fields.items()}
