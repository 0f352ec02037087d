"""Settings of the session service, read once at start."""

from __future__ import annotations

import os
from dataclasses import dataclass

from latchkey.mail import MailSettings
from latchkey.settings import CommonSettings, Env, load_environment

from . import SERVICE
from .sessions import Lifetimes


@dataclass(frozen=True, slots=True)
class Settings:
    common: CommonSettings
    idle_timeout: float
    absolute_lifetime: float
    secrets_key: bytes
    # argon2id; the defaults are OWASP's minimum (19 MiB, 2 passes, 1 lane)
    argon2_time_cost: int
    argon2_memory_kib: int
    argon2_parallelism: int
    argon2_threads: int  # concurrent hashes; one per core is the most throughput
    # failed logins before 429, per email and per client address, and how long the lock lasts
    login_max_failures: int
    login_max_failures_per_address: int
    login_lockout_seconds: int
    oidc_link_urls: tuple[str, ...]  # asked to remove a deleted account's links
    org_provisioning_urls: tuple[str, ...]  # asked whether an organization lets its users delete themselves
    # two-factor (docs/api.md §8): how long the password step's mfaToken lives, the name authenticator apps show,
    # and whether an organization handoff or OIDC sign-in must also pass the second factor (off: they vouch)
    mfa_token_ttl: int
    totp_issuer: str
    mfa_required_for_handoff: bool
    # account self-service (docs/api.md §7)
    mail: MailSettings
    password_reset_ttl: float
    email_verification_ttl: float
    require_verified_email: bool  # password sign-in (and Basic) refused with email_not_verified until verified
    mail_max_per_email: int  # reset / verification mails per email (and per user) per hour
    mail_max_per_address: int  # reset requests per client address per hour
    event_retention_days: float
    signup_enabled: bool  # POST /api/1/users: anyone may create an account

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = Env(load_environment(environ))
        max_failures = env.int("LOGIN_MAX_FAILURES", 5, minimum=1)
        common = CommonSettings.from_env(env, service=SERVICE, default_port=8081)
        lifetimes = Lifetimes.from_env(env)
        return cls(
            common=common,
            idle_timeout=lifetimes.idle_timeout,
            absolute_lifetime=lifetimes.absolute_lifetime,
            secrets_key=env.secret_bytes("SECRETS_KEY", length=32),
            argon2_time_cost=env.int("ARGON2_TIME_COST", 2, minimum=1),
            argon2_memory_kib=env.int("ARGON2_MEMORY_KIB", 19456, minimum=8),
            argon2_parallelism=env.int("ARGON2_PARALLELISM", 1, minimum=1),
            argon2_threads=env.int("ARGON2_THREADS", os.cpu_count() or 1, minimum=1),
            login_max_failures=max_failures,
            # an address is shared (offices, NAT), so it gets more room than one account
            login_max_failures_per_address=env.int("LOGIN_MAX_FAILURES_PER_ADDRESS", max_failures * 4, minimum=1),
            login_lockout_seconds=env.int("LOGIN_LOCKOUT_SECONDS", 300, minimum=1),
            oidc_link_urls=env.url_list("OIDC_LINK_URLS", "http://127.0.0.1:8083"),
            org_provisioning_urls=env.url_list("ORG_PROVISIONING_URLS", "http://127.0.0.1:8082"),
            mfa_token_ttl=env.int("MFA_TOKEN_TTL", 300, minimum=1),
            totp_issuer=env.str("TOTP_ISSUER", "Latchkey"),
            mfa_required_for_handoff=env.bool("MFA_REQUIRED_FOR_HANDOFF", False),
            mail=MailSettings.from_env(env, public_url=common.public_url),
            password_reset_ttl=env.float("PASSWORD_RESET_TTL", 30 * 60, minimum=1),
            email_verification_ttl=env.float("EMAIL_VERIFICATION_TTL", 24 * 3600, minimum=1),
            require_verified_email=env.bool("REQUIRE_VERIFIED_EMAIL", False),
            mail_max_per_email=env.int("MAIL_MAX_PER_EMAIL", 5, minimum=1),
            mail_max_per_address=env.int("MAIL_MAX_PER_ADDRESS", 20, minimum=1),
            event_retention_days=env.float("EVENT_RETENTION_DAYS", 90, minimum=0.0001),
            signup_enabled=env.bool("SIGNUP_ENABLED", False),
        )
