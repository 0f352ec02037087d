"""The sign-in page, shown by `/login` and whenever a handoff fails."""

from __future__ import annotations

from aiohttp import web

from .render import hidden_unless, render_page

DEFAULT_RETURN_PATH = "/account"  # where a sign-in lands when no return_to says otherwise


def sign_in_page(*, return_to: str, message: str = "", status: int = 200, org_name: str = "") -> web.Response:
    return render_page(
        "login.html",
        title="Sign in",
        script="login.js",
        status=status,
        data={"return-to": return_to},
        heading=f"Sign in to {org_name}" if org_name else "Sign in to Latchkey",
        message=message,
        message_hidden=hidden_unless(message),
        return_to=return_to,
    )
