"""The `sesskey` cookie, set the same way by every service that starts a session."""

from __future__ import annotations

from aiohttp import web

from .settings import CommonSettings

SESSION_COOKIE = "sesskey"


def set_session_cookie(
    response: web.StreamResponse, sesskey: str, settings: CommonSettings, *, max_age: int | None = None
) -> None:
    """HttpOnly, Path=/, SameSite from `SESSION_COOKIE_SAMESITE`, Secure on https (and with SameSite=None)."""
    response.set_cookie(
        SESSION_COOKIE,
        sesskey,
        path="/",
        httponly=True,
        samesite=settings.session_cookie_samesite,
        secure=settings.session_cookie_secure,
        max_age=max_age,
    )


def clear_session_cookie(response: web.StreamResponse, settings: CommonSettings) -> None:
    set_session_cookie(response, "", settings, max_age=0)
