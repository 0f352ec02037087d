"""The account lifecycle pages: edit the profile, delete the account (shells; their scripts call the account API)."""

from __future__ import annotations

from aiohttp import web

from .handlers import signed_in_only
from .render import render_page


async def account_profile(request: web.Request) -> web.Response:
    return signed_in_only(request) or render_page("account_profile.html", title="Edit your profile", script="account_lifecycle.js")


async def account_delete(request: web.Request) -> web.Response:
    return signed_in_only(request) or render_page("account_delete.html", title="Delete your account", script="account_lifecycle.js")
