"""Styled HTML error pages for browsers; API clients keep their family's JSON (content negotiation).

A browser that opens `/nope` sends `Accept: text/html,...` and gets a page it
can read with a way back; `curl` (Accept `*/*`) and every route under `/api/`
or another machine-facing prefix keep the JSON error, so no client that parses
errors ever meets HTML.
"""

from __future__ import annotations

from aiohttp import web

from latchkey.errors import LatchkeyError

from ..keys import ROUTE_POLICY
from .render import render_page

# Machine-facing prefixes: their errors stay JSON whatever the Accept header says.
_API_PREFIXES = ("/api/", "/auth/", "/.well-known/", "/internal/", "/healthz", "/readyz", "/metrics")
_HEADINGS = {
    401: ("Please sign in", "You need to sign in to see this page."),
    403: ("Not allowed", "You are not allowed to see this page."),
    404: ("Page not found", "We could not find that page. Check the address, or start again from the start page."),
    405: ("Not available", "This address cannot be opened like this."),
    503: ("Back in a moment", "Latchkey is unavailable for a moment. Please try again shortly."),
}
_SERVER_ERROR = ("Something went wrong", "Something went wrong on our side. Please try again.")


def wants_html(request: web.Request) -> bool:
    # A route of the policy table (built-in or an operator's) is an API: its family's envelope, always.
    if request.get(ROUTE_POLICY) is not None or request.method not in ("GET", "HEAD") or request.path.startswith(_API_PREFIXES):
        return False
    return "text/html" in request.headers.get("Accept", "")


def error_page(status: int, code: str) -> web.Response:
    heading, message = _HEADINGS.get(status) or (_SERVER_ERROR if status >= 500 else ("Something is not right", "This request could not be completed."))
    return render_page(
        "error.html", title=heading, status=status, heading=heading, message=message, status_text=str(status), code=code
    )


@web.middleware
async def html_errors_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Inside the error middleware: what it would render as JSON becomes a page when a browser asked."""
    try:
        return await handler(request)
    except LatchkeyError as error:
        if not wants_html(request):
            raise
        return error_page(error.status, error.code)
    except web.HTTPException as error:
        if error.status < 400 or not wants_html(request):
            raise
        return error_page(error.status, "not_found" if error.status == 404 else "http_" + str(error.status))
