"""Server-rendered pages served by the gateway (sign-in, account, organization settings).

`setup_pages(app)` adds the page routes and the `/assets/` they load; the
gateway's app calls it once. Plain HTML shells and small scripts calling the
JSON APIs: no front-end build.
"""

from __future__ import annotations

from aiohttp import web

from .error_pages import html_errors_middleware
from .routes import page_routes


def setup_pages(app: web.Application) -> None:
    app.router.add_routes(page_routes())
    app.middlewares.append(html_errors_middleware)  # after (inside) the error middleware
