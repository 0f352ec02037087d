"""The edge middleware's metrics, looked up once per series, still count every request in its own series."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY

from latchkey.middlewares import edge_middleware

SERVICE = "edge-metrics-test"


def _count(method: str, route: str, status: str) -> float:
    labels = {"service": SERVICE, "method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value("latchkey_http_requests_total", labels) or 0.0


def _observed(route: str) -> float:
    return REGISTRY.get_sample_value("latchkey_http_request_seconds_count", {"service": SERVICE, "route": route}) or 0.0


async def _answer(request: web.Request) -> web.Response:
    return web.Response(status=404 if request.match_info["id"] == "missing" else 200)


async def test_every_request_is_counted_in_the_series_of_its_method_route_and_status():
    app = web.Application(middlewares=[edge_middleware(SERVICE)])
    app.router.add_route("*", "/things/{id}", _answer)
    async with TestClient(TestServer(app)) as client:
        for _ in range(5):
            assert (await client.get("/things/1")).status == 200
        for _ in range(3):
            assert (await client.request("PURGE", "/things/2")).status == 200
        assert (await client.get("/things/missing")).status == 404
    assert _count("GET", "/things/{id}", "200") == 5
    assert _count("PURGE", "/things/{id}", "200") == 3
    assert _count("GET", "/things/{id}", "404") == 1
    assert _observed("/things/{id}") == 9
