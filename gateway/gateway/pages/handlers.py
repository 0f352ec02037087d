"""Page handlers: read the query, render a shell; the page's script fetches the data.

The pages hold no user data on the server side: the scripts read it from the
JSON APIs through the gateway with the session cookie, as any client would.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from latchkey.cookies import SESSION_COOKIE
from latchkey.errors import LatchkeyError
from latchkey.inputs import safe_return_path

from ..keys import SETTINGS
from . import handoff
from .messages import sign_in_notice, sso_error_message, sso_notice
from .render import Markup, fill, hidden_unless, render_page
from .sign_in import DEFAULT_RETURN_PATH, sign_in_page


async def home(_request: web.Request) -> web.Response:
    return render_page("home.html", title="Latchkey", script="home.js")


async def login(request: web.Request) -> web.Response:
    try:
        return_to = safe_return_path(request.query.get("return_to"), default=DEFAULT_RETURN_PATH)
    except LatchkeyError as error:
        return sign_in_page(return_to=DEFAULT_RETURN_PATH, message=error.message, status=error.status)
    org = request.query.get("org", "").strip()
    try:
        if org:
            return await handoff.organization_login(request, org, return_to)
    except LatchkeyError as error:
        return sign_in_page(return_to=return_to, message=error.message, status=error.status)
    return sign_in_page(
        return_to=return_to,
        message=sso_error_message(request.query.get("sso_error")),
        notice=sign_in_notice(request.query.get("notice")),
        signup=request.app[SETTINGS].signup_enabled,
    )


# The account page's sections beyond profile and API key: one template partial and one script each,
# so a feature adds its own files here instead of growing account.html and account.js.
ACCOUNT_SECTIONS = ("account_mfa.html", "account_security.html")
ACCOUNT_SCRIPTS = ("account.js", "account_mfa.js", "password_strength.js", "security_log.js", "account_security.js")


async def account(request: web.Request) -> web.Response:
    message, is_error = sso_notice(request.query)
    return signed_in_only(request) or render_page(
        "account.html",
        title="Your account",
        script=ACCOUNT_SCRIPTS,
        sections=Markup("\n".join(fill(name) for name in ACCOUNT_SECTIONS)),
        message=message,
        message_hidden=hidden_unless(message),
        message_class="message error" if is_error else "message",
    )


async def organization_settings(request: web.Request) -> web.Response:
    return _organization_page(request, "org_settings.html", "Sign-in experience", current="settings")


async def organization_integrations(request: web.Request) -> web.Response:
    return _organization_page(request, "org_integrations.html", "Integrations", current="integrations")


def _organization_page(
    request: web.Request, name: str, title: str, *, current: str, script: str | tuple[str, ...] = "organization.js"
) -> web.Response:
    """An organization admin page: its tabs, and controls its script shows once the admin API answers."""
    org_id = request.match_info["orgId"]
    tabs = fill(
        "org_tabs.html",
        org_id=org_id,
        settings_current=Markup('aria-current="page"' if current == "settings" else ""),
        integrations_current=Markup('aria-current="page"' if current == "integrations" else ""),
        activity_current=Markup('aria-current="page"' if current == "activity" else ""),
    )
    return signed_in_only(request) or render_page(
        name, title=title, script=script, data={"org-id": org_id}, org_id=org_id, tabs=tabs
    )


async def forgot_password(_request: web.Request) -> web.Response:
    return render_page("forgot_password.html", title="Forgot password", script="forgot_password.js")


async def reset_password(_request: web.Request) -> web.Response:
    # The token stays in the query for the page's script, which removes it from the address bar first thing.
    return render_page("reset_password.html", title="Choose a new password", script=("password_strength.js", "reset_password.js"))


async def verify_email(_request: web.Request) -> web.Response:
    return render_page("verify_email.html", title="Confirm your email", script="verify_email.js")


async def organization_activity(request: web.Request) -> web.Response:
    return _organization_page(
        request, "org_activity.html", "Activity", current="activity", script=("security_log.js", "org_activity.js")
    )


def signed_in_only(request: web.Request) -> web.Response | None:
    """Without a session cookie, straight to sign-in; a stale cookie is found out by the page's script."""
    if SESSION_COOKIE in request.cookies:
        return None
    location = "/login?return_to=" + quote(request.path, safe="/")
    return web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})

