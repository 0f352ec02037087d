"""Typed keys for what the gateway app holds, shared by its modules (routing, pages)."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from latchkey.internal_client import ServiceClient
from latchkey.session_client import SessionClient
from latchkey.tokens import TokenSigner

from .authentication import Authenticator
from .identity import IdentityTokens
from .matching import PolicyMatcher
from .policy import RoutePolicy
from .settings import Settings
from .upstreams import Upstream

SETTINGS = web.AppKey("gateway_settings", Settings)
SIGNER = web.AppKey("gateway_signer", TokenSigner)
# One pooled keep-alive client session for everything the gateway sends upstream.
HTTP = web.AppKey("gateway_http", aiohttp.ClientSession)
# Clients for the services' /internal/ routes, signed as the gateway.
SESSION_CLIENT = web.AppKey("session_client", SessionClient)
ORG_CLIENT = web.AppKey("org_client", ServiceClient)
# Credentials → principal (pages may use it too), identity JWTs, and each service's instances.
AUTHENTICATOR = web.AppKey("gateway_authenticator", Authenticator)
IDENTITY_TOKENS = web.AppKey("gateway_identity_tokens", IdentityTokens)
UPSTREAMS = web.AppKey("gateway_upstreams", dict)
# The one policy table (built-in and operator routes), as /auth/verify matches it, and the published keys.
POLICY_MATCHER = web.AppKey("gateway_policy_matcher", PolicyMatcher)
JWKS = web.AppKey("gateway_jwks", dict)
# The policy of the route a request matched, so its errors use its family's envelope.
ROUTE_POLICY = web.RequestKey("gateway_route_policy", RoutePolicy)
