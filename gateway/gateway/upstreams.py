"""The services behind the gateway: base URLs, round robin, and what a failure means.

Each service may run as several instances (`SESSION_URLS=http://a,http://b`).
Requests rotate over them; an instance that refuses the connection, or does not
accept it within the connect timeout, is skipped (nothing was sent, so trying the
next one is safe for any method). When every instance is skipped, the answer is
503 with `Retry-After`, as it is when every instance is at its connection cap
(`GATEWAY_MAX_CONNECTIONS_PER_INSTANCE`); a read timeout (or an upstream that stops reading the
request body) is 504; any other broken exchange is 502.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

from latchkey.errors import BadGateway, GatewayTimeout, ServiceUnavailable

from .host_pool import HostPool, Refused, Saturated
from .http1 import Answer, Body, BrokenExchange

log = logging.getLogger("gateway.upstreams")


class Upstream:
    def __init__(
        self,
        service: str,
        base_urls: tuple[str, ...],
        *,
        connect_timeout: float,
        read_timeout: float,
        max_connections: int = 256,
    ) -> None:
        self.service = service
        self.base_urls = base_urls
        self._instances = []
        for url in base_urls:
            parts = urlsplit(url)
            host, port = parts.hostname or "127.0.0.1", parts.port or 80
            pool = HostPool(
                host, port, connect_timeout=connect_timeout, read_timeout=read_timeout, max_connections=max_connections
            )
            self._instances.append((pool, parts.path.rstrip("/")))
        self._next = 0

    async def request(
        self, method: str, raw_path: str, headers: list[tuple[str, str]] | None = None, body: Body = None
    ) -> Answer:
        """Send to one instance; `raw_path` is already percent-encoded and is sent as is."""
        count = len(self._instances)
        saturated = False
        for _ in range(count):
            pool, prefix = self._instances[self._next % count]
            self._next += 1
            try:
                return await pool.exchange(method, prefix + raw_path, headers or [], body)
            except Refused:
                continue  # nothing was sent: try the next instance
            except Saturated:
                saturated = True  # nothing was sent either
                continue
            except TimeoutError:
                log.warning("upstream timeout", extra={"fields": {"service": self.service, "path": raw_path.partition("?")[0]}})
                raise GatewayTimeout() from None
            except BrokenExchange as error:
                log.warning("upstream broke the exchange", extra={"fields": {"service": self.service, "problem": str(error)}})
                raise BadGateway() from None
        if saturated:
            log.warning("upstream at its connection cap", extra={"fields": {"service": self.service}})
            busy = ServiceUnavailable(f"The {self.service} service is at its connection limit; try again shortly.")
            busy.retry_after = 1
            raise busy
        log.warning("upstream unavailable", extra={"fields": {"service": self.service}})
        raise ServiceUnavailable(f"The {self.service} service is unavailable; try again shortly.")

    def close(self) -> None:
        for pool, _prefix in self._instances:
            pool.close()

    async def healthy(self) -> None:
        """Raises unless some instance answers its /healthz."""
        if (await self.request("GET", "/healthz")).status != 200:
            raise ServiceUnavailable(f"The {self.service} service is not healthy.")

    async def get_json(self, raw_path: str) -> Any | None:
        """A JSON document from some instance, or None when it has none."""
        answer = await self.request("GET", raw_path, [("Accept", "application/json")])
        return json.loads(answer.body) if answer.status == 200 else None
