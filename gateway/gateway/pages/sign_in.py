"""The sign-in page, shown by `/login` and whenever a handoff fails."""

from __future__ import annotations

import re

from aiohttp import web

from .render import hidden_unless, render_page

# Only known codes become sentences: a page must not print whatever text a link carries.
SSO_ERROR_MESSAGES = {
    "not_linked": "That provider account is not linked to any Latchkey user. Sign in another way, then link it from your account.",
    "already_linked": "That provider account is already linked to another user.",
    "access_denied": "Signing in with the provider was cancelled.",
    "invalid_state": "The sign-in attempt expired or was already used. Please try again.",
    "provider_error": "The provider could not confirm who you are. Please try again.",
}
_CODE_SHAPE = re.compile(r"^[a-z0-9_]{1,40}$")


def sso_error_message(code: str | None) -> str:
    if code is None:
        return ""
    if code in SSO_ERROR_MESSAGES:
        return SSO_ERROR_MESSAGES[code]
    suffix = f" (code: {code})" if _CODE_SHAPE.match(code) else ""
    return "Signing in with the provider did not work" + suffix + "."


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
