"""Calling another service's `/internal/` routes with our own signed token.

Upstream errors come back as the same typed error (status and code kept), so
a domain function calling another service raises exactly what the owner
raised; an unreachable owner is 503, a slow one 504.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from . import logs
from .errors import GatewayTimeout, LatchkeyError, ServiceUnavailable
from .tokens import TokenSigner


class ServiceClient:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        signer: TokenSigner,
        service: str,
        base_urls: tuple[str, ...],
        *,
        timeout: float = 5.0,
    ) -> None:
        self._http = http
        self._signer = signer
        self._service = service
        self._base_urls = base_urls
        self._next = 0
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 2.0))

    async def call(self, method: str, path: str, *, json_body: Any = None, params: dict[str, str] | None = None) -> tuple[int, Any]:
        """Call `path` on one instance (round robin, skipping refused ones); returns (status, JSON)."""
        headers = {"Authorization": "Bearer " + self._signer.service_token(self._service)}
        rid = logs.request_id.get()
        if rid:
            headers["X-Request-ID"] = rid
        last_error: Exception | None = None
        for _ in range(len(self._base_urls)):
            base = self._base_urls[self._next % len(self._base_urls)]
            self._next += 1
            try:
                async with self._http.request(
                    method, base + path, json=json_body, params=params, headers=headers, timeout=self._timeout
                ) as response:
                    text = await response.text()
                    body = json.loads(text) if text else None
                    if response.status >= 400:
                        error = upstream_error(response.status, body)
                        retry_after = response.headers.get("Retry-After")
                        if retry_after:  # a 429 or 503 keeps telling the client when to come back
                            error.headers = lambda: {"Retry-After": retry_after}  # type: ignore[method-assign]
                        raise error
                    return response.status, body
            except aiohttp.ClientConnectionError as exc:
                if isinstance(exc, aiohttp.ServerTimeoutError):
                    raise GatewayTimeout() from None
                last_error = exc
            except asyncio.TimeoutError:
                raise GatewayTimeout() from None
        raise ServiceUnavailable(f"The {self._service} service is unavailable.") from last_error


def upstream_error(status: int, body: Any) -> LatchkeyError:
    error = LatchkeyError()
    error.status = status
    if isinstance(body, dict):
        error.code = body.get("code") or error.code
        error.message = body.get("title") or body.get("detail") or error.message
        if "fields" in body:
            fields = body["fields"]
            error.extra = lambda: {"fields": fields}  # type: ignore[method-assign]
    return error
