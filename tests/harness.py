"""Runs the real services in the test process, on real sockets.

Each `System` starts session, org-provisioning, oidc-link and the gateway as
aiohttp apps bound to free localhost ports, configured exactly as in
production (their `Settings.from_env`), talking to each other over HTTP and
to the test session's real PostgreSQL and Redis. Overrides (a short idle
timeout, a provider file) go in as environment variables.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from latchkey.web import HTTP_LIMITS
from latchkey_cli.embedded import free_port

SERVICE_MODULES = {
    "session": ("session", "SESSION_PORT", "SESSION_URLS"),
    "org-provisioning": ("org_provisioning", "ORG_PROVISIONING_PORT", "ORG_PROVISIONING_URLS"),
    "oidc-link": ("oidc_link", "OIDC_LINK_PORT", "OIDC_LINK_URLS"),
    "gateway": ("gateway", "GATEWAY_PORT", None),
}


@dataclass
class System:
    env: dict[str, str]
    urls: dict[str, str] = field(default_factory=dict)
    apps: dict[str, web.Application] = field(default_factory=dict)
    runners: list[web.AppRunner] = field(default_factory=list)

    @property
    def gateway(self) -> str:
        return self.urls["gateway"]

    async def start(self, services: tuple[str, ...] = tuple(SERVICE_MODULES)) -> System:
        ports = {name: free_port() for name in SERVICE_MODULES}
        for name, (_module, port_var, urls_var) in SERVICE_MODULES.items():
            self.env.setdefault(port_var, str(ports[name]))
            self.urls[name] = f"http://127.0.0.1:{self.env[port_var]}"
            if urls_var:
                self.env.setdefault(urls_var, self.urls[name])
        self.env.setdefault("PUBLIC_URL", self.urls["gateway"])
        self.env.setdefault("METRICS_PORT", str(free_port()))
        self.urls["metrics"] = f"http://127.0.0.1:{self.env['METRICS_PORT']}"
        for name in services:
            await self.start_service(name)
        return self

    async def start_service(self, name: str) -> web.Application:
        module_name, port_var, _ = SERVICE_MODULES[name]
        app_module = importlib.import_module(f"{module_name}.app")
        settings_module = importlib.import_module(f"{module_name}.settings")
        settings = settings_module.Settings.from_env(self.env)
        app = app_module.init_app(settings)
        runner = web.AppRunner(app, access_log=None, **HTTP_LIMITS)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", int(self.env[port_var])).start()
        self.apps[name] = app
        self.runners.append(runner)
        return app

    async def stop(self) -> None:
        for runner in reversed(self.runners):
            await runner.cleanup()
        self.runners.clear()


def client(**kwargs) -> aiohttp.ClientSession:
    """A client that keeps cookies for every host (an unsafe jar: tests use 127.0.0.1)."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), **kwargs)
