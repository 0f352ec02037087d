"""Builds the gateway's aiohttp app: the one public entry in front of the three services."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from latchkey import health, loop_probe, response_headers, storage, web as latchkey_web
from latchkey.client_address import at_edge
from latchkey.errors import Envelope, envelope_by_path, error_middleware
from latchkey.internal_client import ServiceClient
from latchkey.logs import configure_logging
from latchkey.middlewares import edge_middleware
from latchkey.session_client import SessionClient
from latchkey.operations import operations_ctx
from latchkey.outages import dependency_down_middleware
from latchkey.tokens import TokenSigner
from session.sessions import SessionStore

from . import SERVICE
from .authentication import Authenticator
from .cors import CorsRules, cors_middleware
from .identity import IdentityTokens, jwks_document
from .keys import (
    AUTHENTICATOR,
    HTTP,
    IDENTITY_TOKENS,
    JWKS,
    POLICY_MATCHER,
    ORG_CLIENT,
    ROUTE_POLICY,
    SESSION_CLIENT,
    SETTINGS,
    SIGNER,
    UPSTREAMS,
)
from .pages import setup_pages
from .matching import PolicyMatcher
from .policy import OIDC_LINK, ORG_PROVISIONING, SERVICES, SESSION, policy_table
from .routes import setup_routes
from .settings import Settings
from .upstreams import Upstream


def envelope_for(request: web.Request) -> Envelope:
    policy = request.get(ROUTE_POLICY)
    return policy.envelope if policy is not None else envelope_by_path(request)


def init_app(settings: Settings) -> web.Application:
    configure_logging(settings.common.service, settings.common.log_level)
    # Not latchkey.web.create_app: its identity middleware would *verify* an inbound
    # identity header, where the edge must ignore (and drop) whatever a client sends.
    cors = CorsRules.from_list(settings.cors_allowed_origins)
    app = web.Application(
        # CORS sits outside the error envelope, so an allowed page can read a 401 or 429 too.
        # No deadline here: forwarding has its own connect and read timeouts (operator upstreams may be slow).
        middlewares=[
            edge_middleware(SERVICE, lambda request: at_edge(request, settings.trusted_proxies)),
            cors_middleware(cors),
            error_middleware(envelope_for),
            dependency_down_middleware(None),
        ],
        client_max_size=settings.max_body_bytes,
    )
    app[latchkey_web.SETTINGS] = settings.common
    app[SETTINGS] = settings
    app[SIGNER] = TokenSigner(SERVICE, settings.common.signing_key)
    app[IDENTITY_TOKENS] = IdentityTokens(app[SIGNER])
    app[JWKS] = jwks_document(app[SIGNER], settings.previous_public_keys)
    policies = policy_table(settings.operator_routes.policies)
    app[POLICY_MATCHER] = PolicyMatcher(policies)
    app[health.READINESS] = [health.redis_ready, *(_service_ready(name) for name in SERVICES)]
    app.cleanup_ctx.append(storage.redis_ctx(settings.common))
    app.cleanup_ctx.append(_upstreams_ctx)
    app.cleanup_ctx.append(operations_ctx(settings.common.host, settings.metrics_port))
    response_headers.install(app, hsts=settings.common.public_is_https)
    reachable = {*SERVICES, *(upstream.name for upstream in settings.operator_routes.upstreams if upstream.urls)}
    setup_routes(app, settings, cors, policies, reachable)
    setup_pages(app)
    loop_probe.install(app, settings.common.loop_probe)
    return app


async def _upstreams_ctx(app: web.Application) -> AsyncIterator[None]:
    """Keep-alive pools to the services (forwarding, internal APIs) and what is built on them."""
    settings = app[SETTINGS]
    http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=512, keepalive_timeout=30, ttl_dns_cache=300),
        # Never keep one client's cookies for the next: relay them, do not store them.
        cookie_jar=aiohttp.DummyCookieJar(),
        # Relay compressed bodies as they are.
        auto_decompress=False,
    )
    base_urls = {
        SESSION: settings.session_urls,
        ORG_PROVISIONING: settings.org_provisioning_urls,
        OIDC_LINK: settings.oidc_link_urls,
    }
    app[HTTP] = http
    app[UPSTREAMS] = upstreams = {
        name: Upstream(
            name,
            urls,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            max_connections=settings.max_connections_per_instance,
        )
        for name, urls in base_urls.items()
    }
    # The operator's upstreams (routes file), balanced and timed out like the services.
    for spec in settings.operator_routes.upstreams:
        if spec.urls:
            upstreams[spec.name] = Upstream(
                spec.name,
                spec.urls,
                connect_timeout=spec.connect_timeout or settings.connect_timeout,
                read_timeout=spec.read_timeout or settings.read_timeout,
            )
    signer = app[SIGNER]
    app[SESSION_CLIENT] = SessionClient(ServiceClient(http, signer, SESSION, settings.session_urls, timeout=settings.read_timeout))
    app[ORG_CLIENT] = ServiceClient(http, signer, ORG_PROVISIONING, settings.org_provisioning_urls, timeout=settings.read_timeout)
    sessions = SessionStore(app[storage.REDIS], idle_timeout=settings.idle_timeout, absolute_lifetime=settings.absolute_lifetime)
    app[AUTHENTICATOR] = Authenticator(app[storage.REDIS], sessions, app[SESSION_CLIENT], app[ORG_CLIENT], settings.common.cache_hmac_key)
    try:
        yield
    finally:
        for upstream in upstreams.values():
            upstream.close()
        await http.close()


def _service_ready(service: str) -> health.ReadinessCheck:
    async def check(app: web.Application) -> None:
        await app[UPSTREAMS][service].healthy()

    check.__name__ = service.replace("-", "_") + "_ready"
    return check
