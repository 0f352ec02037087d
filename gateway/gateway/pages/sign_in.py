"""The sign-in page, shown by `/login` and whenever a handoff fails."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from .render import hidden_unless, render_page

DEFAULT_RETURN_PATH = "/account"  # where a sign-in lands when no return_to says otherwise


def sign_in_address(return_to: str) -> str:
    """The address of the sign-in page itself, for a page shown at another URL (a refused handoff link)."""
    return "/login" if return_to == DEFAULT_RETURN_PATH else "/login?return_to=" + quote(return_to, safe="/")


def sign_in_page(
    *, return_to: str, message: str = "", status: int = 200, org_name: str = "", notice: str = "", address: str = "",
    signup: bool = False,
) -> web.Response:
    """`message` is an error (an alert); `notice` says how the user got here; `address` replaces the URL shown.

    `signup` offers "Create an account" (SIGNUP_ENABLED).
    """
    data = {"return-to": return_to}
    if address:
        data["address"] = address
    return render_page(
        "login.html",
        title="Sign in",
        script="login.js",
        status=status,
        data=data,
        heading=f"Sign in to {org_name}" if org_name else "Sign in to Latchkey",
        message=message,
        message_hidden=hidden_unless(message),
        notice=notice,
        notice_hidden=hidden_unless(notice),
        return_to=return_to,
        signup_hidden=hidden_unless(signup),
    )
