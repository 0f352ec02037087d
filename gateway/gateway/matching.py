"""Which policy a method and path fall under, for /auth/verify, with aiohttp's own router.

The proxy's routes are registered from the same table in the same order
(`routes.py`), so a path the gateway would forward under one policy is judged
under that very policy here: one matching algorithm, not a second one that
could disagree. This router also holds routes whose upstream the gateway never
reaches itself (an upstream with no `urls`: only another proxy sends to it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute

from .policy import RoutePolicy, registration_order, router_paths


def has_dot_segments(path: str) -> bool:
    """`/devices/x/../7`: a service resolving it would act on a path other than the one judged."""
    return any(segment in (".", "..") for segment in path.split("/"))


async def _never_called(_request: web.Request) -> web.StreamResponse:  # pragma: no cover - only matched, never run
    raise web.HTTPNotFound()


class PolicyMatcher:
    def __init__(self, policies: Iterable[RoutePolicy]) -> None:
        self._router = web.UrlDispatcher()
        self._policies: dict[AbstractRoute, RoutePolicy] = {}
        for policy in registration_order(policies):
            for path in router_paths(policy):
                self._policies[self._router.add_route(policy.method, path, _never_called)] = policy

    async def match(self, request: web.BaseRequest) -> tuple[RoutePolicy, Mapping[str, str]] | None:
        """The policy of `request`'s method and path and the path's parameters; None when no route has them."""
        found = await self._router.resolve(request)  # type: ignore[arg-type]
        if found.http_exception is not None:
            return None
        return self._policies[found.route], dict(found)
