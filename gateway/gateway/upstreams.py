"""The services behind the gateway: base URLs, round robin, and what a failure means.

Each service may run as several instances (`SESSION_URLS=http://a,http://b`).
Requests rotate over them; an instance that refuses the connection is skipped
(nothing was sent, so trying the next one is safe for any method). When every
instance refuses, the answer is 503 with `Retry-After`; a connect or read
timeout is 504; any other broken exchange is 502.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
from yarl import URL

from latchkey.errors import BadGateway, GatewayTimeout, ServiceUnavailable


class Upstream:
    def __init__(self, service: str, base_urls: tuple[str, ...], http: aiohttp.ClientSession, timeout: aiohttp.ClientTimeout) -> None:
        self.service = service
        self.base_urls = base_urls
        self._http = http
        self._timeout = timeout
        self._next = 0

    async def request(
        self, method: str, raw_path: str, headers: Any = None, body: Callable[[], Any] | None = None
    ) -> aiohttp.ClientResponse:
        """Send to one instance; `raw_path` is already percent-encoded and is sent as is.

        `body` makes a fresh body per attempt (bytes, or a stream not yet read).
        The caller releases the response.
        """
        count = len(self.base_urls)
        for _ in range(count):
            base = self.base_urls[self._next % count]
            self._next += 1
            try:
                return await self._http.request(
                    method,
                    URL(base + raw_path, encoded=True),
                    headers=headers,
                    data=body() if body is not None else None,
                    allow_redirects=False,
                    timeout=self._timeout,
                )
            except asyncio.TimeoutError:
                raise GatewayTimeout() from None
            except aiohttp.ClientConnectorError:
                continue  # refused or unresolvable: nothing was sent, try the next instance
            except aiohttp.ClientError:
                raise BadGateway() from None
        raise ServiceUnavailable(f"The {self.service} service is unavailable; try again shortly.")

    async def healthy(self) -> None:
        """Raises unless some instance answers its /healthz."""
        response = await self.request("GET", "/healthz")
        async with response:
            if response.status != 200:
                raise ServiceUnavailable(f"The {self.service} service is not healthy.")

    async def get_json(self, raw_path: str) -> Any | None:
        """A JSON document from some instance, or None when it has none."""
        response = await self.request("GET", raw_path, {"Accept": "application/json"})
        async with response:
            if response.status != 200:
                return None
            return await response.json(content_type=None)
