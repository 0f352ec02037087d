"""The `sesskey` cookie, set the same way by every service that starts a session."""

from __future__ import annotations

from aiohttp import web

SESSION_COOKIE = "sesskey"


def set_session_cookie(response: web.StreamResponse, sesskey: str, *, secure: bool, max_age: int | None = None) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        sesskey,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=secure,
        max_age=max_age,
    )


def clear_session_cookie(response: web.StreamResponse, *, secure: bool) -> None:
    response.set_cookie(SESSION_COOKIE, "", path="/", httponly=True, samesite="Lax", secure=secure, max_age=0)
