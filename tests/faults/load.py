"""A small steady load on three kinds of route, recording every answer.

Three workers, each sending one request at a time: an account route with a
session cookie (GET /api/1/users/me), an organization route with the org key
(GET /api/organization/demo/users) and a password login (the right password,
so any 401 or 429 is a defect: a user locked out by an outage).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import aiohttp

ROUTES = ("account", "org", "login")


@dataclass(frozen=True)
class Answer:
    route: str
    at: float  # monotonic time the answer arrived
    seconds: float  # how long it took
    status: int
    retry_after: bool


@dataclass
class Load:
    gateway: str
    sesskey: str
    org_key: str
    password: str
    answers: list[Answer] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    def _request(self, route: str) -> tuple[str, str, dict]:
        if route == "account":
            return "GET", "/api/1/users/me", {"headers": {"Cookie": "sesskey=" + self.sesskey}}
        if route == "org":
            return "GET", "/api/organization/demo/users", {"headers": {"x-org-id": "demo", "x-api-key": self.org_key}}
        return "POST", "/api/1/auth/session", {"json": {"email": "demo@example.com", "password": self.password}}

    async def _worker(self, http: aiohttp.ClientSession, route: str) -> None:
        method, path, kwargs = self._request(route)
        while not self._stop.is_set():
            sent = time.monotonic()
            try:
                async with http.request(method, self.gateway + path, **kwargs) as response:
                    await response.read()
                    status, retry_after = response.status, "Retry-After" in response.headers
            except (aiohttp.ClientError, asyncio.TimeoutError):
                status, retry_after = 0, False  # the gateway itself did not answer: always a defect here
            now = time.monotonic()
            self.answers.append(Answer(route, now, now - sent, status, retry_after))
            await asyncio.sleep(0.05)

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=20)
        async with aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as http:
            await asyncio.gather(*(self._worker(http, route) for route in ROUTES))

    def stop(self) -> None:
        self._stop.set()

    def since(self, start: float) -> list[Answer]:
        return [answer for answer in self.answers if answer.at >= start]

    async def wait_all_ok(self, since: float, timeout: float) -> float:
        """Seconds from `since` until each route has answered 200 again (its first 200 after `since`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            firsts = {}
            for answer in self.since(since):
                if answer.status == 200:
                    firsts.setdefault(answer.route, answer.at)
            if len(firsts) == len(ROUTES):
                return max(firsts.values()) - since
            await asyncio.sleep(0.1)
        raise AssertionError(f"not every route answered 200 within {timeout}s after the fault: {self.summary(since)}")

    def summary(self, since: float) -> dict[str, dict[int, int]]:
        counts: dict[str, dict[int, int]] = {route: {} for route in ROUTES}
        for answer in self.since(since):
            counts[answer.route][answer.status] = counts[answer.route].get(answer.status, 0) + 1
        return counts
