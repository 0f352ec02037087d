"""Every route of the session service, in one table."""

from __future__ import annotations

from aiohttp import web

from . import handlers, internal_handlers as internal, lifecycle_handlers as lifecycle, mfa_handlers as mfa
from . import self_service_handlers as self_service

ORG_USER = r"/internal/organizations/{orgId:\d+}/users/{userName}"


def _account(method: str, path: str, handler) -> list[web.RouteDef]:
    """An account API route, with and without a trailing slash (SPEC.md §2)."""
    return [web.route(method, path, handler), web.route(method, path + "/", handler)]


ROUTES: list[web.RouteDef] = [
    # account API (SPEC.md §2): public login; everything else needs the gateway's identity header
    *_account("POST", "/api/1/auth/session", handlers.login),
    *_account("GET", "/api/1/auth/session", handlers.current_session),
    *_account("DELETE", "/api/1/auth/session", handlers.logout),
    *_account("DELETE", "/api/1/auth/sessions", handlers.logout_everywhere),
    *_account("GET", "/api/1/users/me", handlers.me),
    *_account("PATCH", "/api/1/users/me", lifecycle.update_profile),  # not with an API key
    *_account("DELETE", "/api/1/users/me", lifecycle.delete_account),  # not with an API key
    *_account("POST", "/api/1/users", lifecycle.sign_up),  # public, when SIGNUP_ENABLED
    *_account("POST", "/api/1/users/me/email", lifecycle.request_email_change),  # not with an API key
    *_account("POST", "/api/1/auth/email-change/confirm", lifecycle.confirm_email_change),  # public: the mailed link
    *_account("GET", "/api/1/users/me/apikey", handlers.show_api_key),  # not with an API key
    *_account("POST", "/api/1/users/me/apikey", handlers.regenerate_api_key),  # not with an API key
    *_account("PUT", "/api/1/users/me/password", handlers.change_password),  # not with an API key
    # two-factor (SPEC.md §8): the login's second step is public; the rest need an interactive session
    *_account("POST", "/api/1/auth/session/mfa", mfa.complete_login),
    *_account("GET", "/api/1/users/me/mfa", mfa.mfa_status),
    *_account("POST", "/api/1/users/me/mfa/totp", mfa.begin_totp),
    *_account("POST", "/api/1/users/me/mfa/totp/confirm", mfa.confirm_totp),
    *_account("DELETE", "/api/1/users/me/mfa/totp", mfa.disable_totp),
    # account self-service (SPEC.md §7)
    *_account("POST", "/api/1/auth/password-reset", self_service.request_password_reset),  # public
    *_account("POST", "/api/1/auth/password-reset/confirm", self_service.confirm_password_reset),  # public
    *_account("POST", "/api/1/auth/email-verification/confirm", self_service.confirm_email_verification),  # public
    *_account("POST", "/api/1/users/me/email/verification", self_service.request_email_verification),
    *_account("GET", "/api/1/auth/sessions", self_service.list_sessions),
    *_account("DELETE", r"/api/1/auth/sessions/{id}", self_service.revoke_session),
    *_account("GET", "/api/1/users/me/events", self_service.my_events),
    web.get("/openapi.json", handlers.openapi),  # merged by the gateway into /api/openapi.json
    # internal routes (docs/internal-api.md), service tokens only
    web.post("/internal/auth/password", internal.verify_password),  # gateway
    web.post("/internal/auth/api-key", internal.verify_api_key),  # gateway
    web.post("/internal/sessions", internal.create_session),  # org-provisioning, oidc-link
    web.put(ORG_USER, internal.put_org_user),  # org-provisioning
    web.get(ORG_USER, internal.get_org_user),  # org-provisioning
    web.delete(ORG_USER, internal.delete_org_user),  # org-provisioning
    web.get(r"/internal/organizations/{orgId:\d+}/users", internal.list_org_users),  # org-provisioning
    web.get(r"/internal/users/{userid:\d+}", internal.get_user),  # oidc-link
    web.post(r"/internal/users/{userid:\d+}/events", internal.report_event),  # oidc-link (security_log.REPORTABLE)
]
