"""HTML for the pages: string templates with every value escaped, and the headers every page carries.

Templates are plain `.html` files beside this module (`$name` placeholders,
`string.Template`). A value is HTML-escaped unless it is `Markup`, which only
this package builds, from escaped parts.
"""

from __future__ import annotations

import html
from functools import cache
from importlib import resources
from string import Template

from aiohttp import web

# No inline script or style anywhere, so nothing injected can run or restyle the page.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
    # No form-action: "continue with your organization" is a GET form whose answer
    # redirects to the organization's own sign-in site, which form-action would block.
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    # Page URLs may carry a refresh token for one hop; never leak a URL to another site.
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


class Markup(str):
    """Text already safe to place in HTML as is."""


def escape(value: object) -> str:
    if isinstance(value, Markup):
        return value
    return html.escape("" if value is None else str(value), quote=True)


def hidden_unless(condition: object) -> Markup:
    """The `hidden` attribute for an element shown only when `condition` holds."""
    return Markup("" if condition else "hidden")


@cache
def template(name: str) -> Template:
    source = resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8")
    return Template(source)


def fill(name: str, **values: object) -> Markup:
    return Markup(template(name).substitute({key: escape(value) for key, value in values.items()}))


def with_page_headers(response: web.StreamResponse) -> web.StreamResponse:
    response.headers.update(PAGE_HEADERS)
    return response


def render_page(
    name: str,
    *,
    title: str,
    script: str | tuple[str, ...] = (),
    status: int = 200,
    data: dict[str, str] | None = None,
    **values: object,
) -> web.Response:
    """The page `templates/<name>` inside the layout; `data` becomes data-* attributes for its scripts.

    Every page loads common.js (header, dialogs, forms); `script` names the page's own modules.
    """
    attributes = " ".join(f'data-{key}="{escape(value)}"' for key, value in (data or {}).items())
    scripts = (script,) if isinstance(script, str) else script
    tags = "\n".join(f'<script src="/assets/{escape(each)}" defer></script>' for each in scripts)
    body = fill(
        "layout.html",
        title=title,
        scripts=Markup(tags),
        attributes=Markup(attributes),
        content=fill(name, **values),
    )
    response = web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
    with_page_headers(response)
    return response
