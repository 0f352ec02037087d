"""The sign-up page (when SIGNUP_ENABLED) and the page the email-change link opens."""

from __future__ import annotations

from aiohttp import web

from ..keys import SETTINGS
from .render import render_page


async def signup(request: web.Request) -> web.Response:
    if not request.app[SETTINGS].signup_enabled:
        raise web.HTTPNotFound()
    return render_page("signup.html", title="Create an account", script="signup.js")


async def confirm_email_change(_request: web.Request) -> web.Response:
    return render_page(
        "confirm_email_change.html", title="Confirm your new email", script="verify_email.js",
        data={"confirm": "/api/1/auth/email-change/confirm"},
    )
