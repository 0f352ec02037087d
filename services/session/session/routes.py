"""Every route of the session service, in one table (the format of `latchkey.routing`).

Account API routes (docs/api.md §2, via the gateway's policy table) also answer with a
trailing slash; internal routes (docs/internal-api.md) name the services whose
token they accept, and `add_routes` checks it before the handler runs.
"""

from __future__ import annotations

from latchkey.routing import Route, internal

from . import handlers, internal_handlers as internal_api, lifecycle_handlers as lifecycle, mfa_handlers as mfa, security_log
from . import self_service_handlers as self_service

ORG_USERS = r"/internal/organizations/{orgId:\d+}/users"
ORG_USER = ORG_USERS + "/{userName}"

ROUTES: list[Route] = [
    # account API: public login; everything else needs the gateway's identity header
    Route("POST", "/api/1/auth/session", handlers.login),
    Route("GET", "/api/1/auth/session", handlers.current_session),
    Route("DELETE", "/api/1/auth/session", handlers.logout),
    Route("DELETE", "/api/1/auth/sessions", handlers.logout_everywhere),
    Route("GET", "/api/1/users/me", handlers.me),
    Route("PATCH", "/api/1/users/me", lifecycle.update_profile),  # not with an API key
    Route("DELETE", "/api/1/users/me", lifecycle.delete_account),  # not with an API key
    Route("POST", "/api/1/users", lifecycle.sign_up),  # public, when SIGNUP_ENABLED
    Route("POST", "/api/1/users/me/email", lifecycle.request_email_change),  # not with an API key
    Route("POST", "/api/1/auth/email-change/confirm", lifecycle.confirm_email_change),  # public: the mailed link
    Route("GET", "/api/1/users/me/apikey", handlers.show_api_key),  # not with an API key
    Route("POST", "/api/1/users/me/apikey", handlers.regenerate_api_key),  # not with an API key
    Route("PUT", "/api/1/users/me/password", handlers.change_password),  # not with an API key
    # two-factor (docs/api.md §8): the login's second step is public; the rest need an interactive session
    Route("POST", "/api/1/auth/session/mfa", mfa.complete_login),
    Route("GET", "/api/1/users/me/mfa", mfa.mfa_status),
    Route("POST", "/api/1/users/me/mfa/totp", mfa.begin_totp),
    Route("POST", "/api/1/users/me/mfa/totp/confirm", mfa.confirm_totp),
    Route("DELETE", "/api/1/users/me/mfa/totp", mfa.disable_totp),
    # account self-service (docs/api.md §7)
    Route("POST", "/api/1/auth/password-reset", self_service.request_password_reset),  # public
    Route("POST", "/api/1/auth/password-reset/confirm", self_service.confirm_password_reset),  # public
    Route("POST", "/api/1/auth/email-verification/confirm", self_service.confirm_email_verification),  # public
    Route("POST", "/api/1/users/me/email/verification", self_service.request_email_verification),
    Route("GET", "/api/1/auth/sessions", self_service.list_sessions),
    Route("DELETE", r"/api/1/auth/sessions/{id}", self_service.revoke_session),
    Route("GET", "/api/1/users/me/events", self_service.my_events),
    Route("GET", "/openapi.json", handlers.openapi),  # merged by the gateway into /api/openapi.json
    # internal routes, service tokens only
    internal("POST", "/internal/auth/password", internal_api.verify_password, "gateway"),
    internal("POST", "/internal/auth/api-key", internal_api.verify_api_key, "gateway"),
    internal("POST", "/internal/sessions", internal_api.create_session, "org-provisioning", "oidc-link"),
    internal("PUT", ORG_USER, internal_api.put_org_user, "org-provisioning"),
    internal("GET", ORG_USER, internal_api.get_org_user, "org-provisioning"),
    internal("DELETE", ORG_USER, internal_api.delete_org_user, "org-provisioning"),
    internal("GET", ORG_USERS, internal_api.list_org_users, "org-provisioning"),
    internal("GET", r"/internal/users/{userid:\d+}", internal_api.get_user, "oidc-link"),
    internal("POST", r"/internal/users/{userid:\d+}/events", internal_api.report_event, *security_log.REPORTABLE),
]
