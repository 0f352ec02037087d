"""Server-rendered pages served by the gateway (sign-in, account, organization settings).

`setup_pages(app)` adds the page routes; the gateway's app calls it once.
"""

from __future__ import annotations

from aiohttp import web


def setup_pages(app: web.Application) -> None:
    """Placeholder until the pages land (issue 5): no page routes yet."""
