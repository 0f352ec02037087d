"""The pages' stylesheet and scripts, served from memory under `/assets/`.

Only the files shipped in `static/` are served, by exact name, so no request
path ever reaches the filesystem.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from aiohttp import web

_CONTENT_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


@cache
def _assets() -> dict[str, tuple[bytes, str]]:
    folder = resources.files(__package__).joinpath("static")
    found = {}
    for entry in folder.iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in _CONTENT_TYPES:
            found[entry.name] = (entry.read_bytes(), _CONTENT_TYPES[suffix])
    return found


async def asset(request: web.Request) -> web.Response:
    return _served(request.match_info["name"])


async def favicon(_request: web.Request) -> web.Response:
    """Browsers ask for /favicon.ico whatever the page says: the same SVG icon."""
    return _served("favicon.svg")


def _served(name: str) -> web.Response:
    found = _assets().get(name)
    if found is None:
        raise web.HTTPNotFound()
    body, content_type = found
    return web.Response(
        body=body,
        content_type=content_type,
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
