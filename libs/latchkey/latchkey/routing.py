"""The one route-table format of the three services.

Each service's `routes.py` is a list of `Route(method, path, handler, callers)`
and `add_routes` reads every column: an internal route names the services
whose token it accepts (`callers`), and `add_routes` checks that token before
the handler runs, so no internal route can be left open by a handler that
forgot. A route without callers is reached through the gateway, which forwards
only what its policy table lists (tests/foundation/test_route_tables.py holds
the two tables together).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from aiohttp import web

from .identity import require_service

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
INTERNAL_PREFIX = "/internal/"
ACCOUNT_PREFIX = "/api/1/"
_PATTERN = re.compile(r"\{(\w+):[^{}]+\}")


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str  # aiohttp route syntax
    handler: Handler
    callers: tuple[str, ...] = ()  # internal routes: the services whose token they accept

    @property
    def canonical_path(self) -> str:
        """The path without its patterns (`{orgId:\\d+}` → `{orgId}`), as the gateway's policy table writes it."""
        return _PATTERN.sub(r"{\1}", self.path)


def internal(method: str, path: str, handler: Handler, *callers: str) -> Route:
    if not path.startswith(INTERNAL_PREFIX) or not callers:
        raise ValueError(f"{path}: an internal route lives under {INTERNAL_PREFIX} and names its callers")
    return Route(method, path, handler, callers)


def _checking_callers(handler: Handler, callers: tuple[str, ...]) -> Handler:
    @functools.wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        require_service(request, *callers)
        return await handler(request)

    return checked


def add_routes(app: web.Application, routes: Iterable[Route]) -> None:
    """Register every route; account API routes also answer with a trailing slash (docs/api.md §2)."""
    for route in routes:
        if route.path.startswith(INTERNAL_PREFIX) != bool(route.callers):
            raise ValueError(f"{route.path}: internal routes, and only they, name their callers")
        handler = _checking_callers(route.handler, route.callers) if route.callers else route.handler
        paths = (route.path, route.path + "/") if route.path.startswith(ACCOUNT_PREFIX) else (route.path,)
        for path in paths:
            if route.method == "GET":
                app.router.add_get(path, handler)  # and HEAD, as aiohttp does for GET
            else:
                app.router.add_route(route.method, path, handler)
