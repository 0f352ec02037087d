"""Settings of the gateway, read once at start."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from latchkey.client_address import IPNetwork, parse_networks
from latchkey.settings import CommonSettings, Env, SettingsError, load_environment
from session.sessions import Lifetimes

from . import SERVICE
from .cors import parse_allowed_origins
from .routes_file import OperatorRoutes, RoutesFileError, load_routes_file
from .workers import default_workers


@dataclass(frozen=True, slots=True)
class Settings:
    common: CommonSettings
    session_urls: tuple[str, ...]
    org_provisioning_urls: tuple[str, ...]
    oidc_link_urls: tuple[str, ...]
    idle_timeout: float
    absolute_lifetime: float
    max_body_bytes: int
    connect_timeout: float
    read_timeout: float
    cors_allowed_origins: tuple[str, ...]  # canonical origins that browsers may call the API from
    workers: int  # processes sharing the port (SO_REUSEPORT), see workers.py
    signup_enabled: bool  # the sign-in page offers "Create an account" (session's SIGNUP_ENABLED)
    max_connections_per_instance: int
    # proxies whose X-Forwarded-For names the client (SPEC §9); none by default: the peer is the client
    trusted_proxies: tuple[IPNetwork, ...]
    # /metrics and the detailed /readyz listen here, never on the public port (SPEC §9)
    metrics_port: int
    # The operator's upstreams and routes (GATEWAY_ROUTES_FILE), joining the built-in policy table.
    operator_routes: OperatorRoutes = OperatorRoutes()
    # Public keys of earlier signing keys, still published at /.well-known/jwks.json during a rotation.
    previous_public_keys: tuple[bytes, ...] = ()

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = Env(load_environment(environ))
        lifetimes = Lifetimes.from_env(env)  # the session service's own reading of these variables
        return cls(
            common=CommonSettings.from_env(env, service=SERVICE, default_port=8080, needs_database=False),
            session_urls=_service_urls(env, "SESSION_URLS", "http://127.0.0.1:8081"),
            org_provisioning_urls=_service_urls(env, "ORG_PROVISIONING_URLS", "http://127.0.0.1:8082"),
            oidc_link_urls=_service_urls(env, "OIDC_LINK_URLS", "http://127.0.0.1:8083"),
            idle_timeout=lifetimes.idle_timeout,
            absolute_lifetime=lifetimes.absolute_lifetime,
            max_body_bytes=env.int("GATEWAY_MAX_BODY_BYTES", 1024 * 1024, minimum=1024),
            connect_timeout=env.float("GATEWAY_CONNECT_TIMEOUT", 2.0, minimum=0.01),
            read_timeout=env.float("GATEWAY_READ_TIMEOUT", 15.0, minimum=0.01),
            cors_allowed_origins=parse_allowed_origins("CORS_ALLOWED_ORIGINS", env.raw("CORS_ALLOWED_ORIGINS")),
            workers=env.int("GATEWAY_WORKERS", default_workers(), minimum=1),
            signup_enabled=env.bool("SIGNUP_ENABLED", False),
            max_connections_per_instance=env.int("GATEWAY_MAX_CONNECTIONS_PER_INSTANCE", 256, minimum=1),
            trusted_proxies=_networks(env, "TRUSTED_PROXIES"),
            metrics_port=env.int("METRICS_PORT", 9464, minimum=1),
            operator_routes=_operator_routes(env),
            previous_public_keys=_public_keys(env, "GATEWAY_PREVIOUS_PUBLIC_KEYS"),
        )


def _networks(env: Env, name: str) -> tuple[IPNetwork, ...]:
    try:
        return parse_networks(env.optional_str(name) or "")
    except ValueError as error:
        raise SettingsError(name, f"{error}; list CIDRs such as 10.0.0.0/8, 192.168.1.7") from None


def _operator_routes(env: Env) -> OperatorRoutes:
    path = env.optional_str("GATEWAY_ROUTES_FILE")
    if path is None:
        return OperatorRoutes()
    try:
        return load_routes_file(path)
    except RoutesFileError as error:
        raise SettingsError("GATEWAY_ROUTES_FILE", str(error)) from None


def _public_keys(env: Env, name: str) -> tuple[bytes, ...]:
    """Comma-separated Ed25519 public keys (base64url), as INTERNAL_PUBLIC_KEYS carries them."""
    value = env.optional_str(name)
    if value is None:
        return ()
    keys = []
    for encoded in (item.strip() for item in value.split(",")):
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError:
            raise SettingsError(name, f"{encoded!r} is not base64url") from None
        if len(raw) != 32:
            raise SettingsError(name, f"{encoded!r} must decode to a 32-byte Ed25519 public key")
        keys.append(raw)
    return tuple(keys)


def _service_urls(env: Env, name: str, default: str) -> tuple[str, ...]:
    """The forwarding client speaks plain HTTP/1.1: services sit on the private network, TLS ends at the edge."""
    urls = env.url_list(name, default)
    for url in urls:
        if not url.startswith("http://"):
            raise SettingsError(name, f"{url!r}: the gateway reaches services over http:// on the private network")
    return urls
