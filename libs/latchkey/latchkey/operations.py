"""The operations listener: /metrics and the detailed /readyz, on a port of their own (SPEC §9).

The public port answers `/readyz` with a status only: which dependency is
failing, and the per-route failure rates in the metrics, are for the
operator's network, not for anyone who can reach the gateway. This listener
binds `METRICS_PORT` on the process's own listen address.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from .health import healthz, metrics, readiness_report

MAIN_APP = web.AppKey("main_app", web.Application)


async def detailed_readyz(request: web.Request) -> web.Response:
    return await readiness_report(request.app[MAIN_APP])


def operations_app(main: web.Application) -> web.Application:
    app = web.Application()
    app[MAIN_APP] = main
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/readyz", detailed_readyz)
    app.router.add_get("/healthz", healthz)
    return app


def operations_ctx(host: str, port: int) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup_ctx entry: the operations listener lives as long as the main app."""

    async def ctx(main: web.Application) -> AsyncIterator[None]:
        runner = web.AppRunner(operations_app(main), access_log=None)
        await runner.setup()
        # reuse_port: with several gateway workers on one host, each binds it (a scrape sees one worker).
        await web.TCPSite(runner, host, port, reuse_port=True).start()
        try:
            yield
        finally:
            await runner.cleanup()

    return ctx
