"""What the pages say after a single sign-on round trip (`?sso=` / `?sso_error=` from oidc-link).

Only known codes become sentences: a page must not print whatever text a link carries.
"""

from __future__ import annotations

import re

SSO_ERROR_MESSAGES = {
    "invalid_state": "The sign-in attempt expired or was already used. Please try again.",
    "access_denied": "Signing in with the provider was cancelled.",
    "provider_error": "The provider could not confirm who you are. Please try again.",
    "token_exchange_failed": "The provider could not confirm who you are. Please try again.",
    "invalid_id_token": "The provider's answer could not be verified. Please try again.",
    "issuer_mismatch": "The answer came from another provider than the one you chose. Please try again.",
    "provider_unavailable": "The provider is not answering right now. Please try again later.",
    "account_linked_elsewhere": "That provider account is already linked to another user.",
    "provider_already_linked": "You have already linked an account of this provider.",
    "not_linked": "That provider account is not linked to any Latchkey user. Sign in another way, then link it from your account.",
    "user_unavailable": "That Latchkey account cannot sign in right now.",
    "mfa_required": "This account uses two-factor sign-in: sign in with your password and code.",
}
_CODE_SHAPE = re.compile(r"^[a-z0-9_]{1,40}$")


SIGN_IN_NOTICES = {
    "signed_out": "You have signed out.",
    "session_expired": "Your session expired. Sign in again to continue.",
}


def sign_in_notice(code: str | None) -> str:
    """Why the sign-in page is shown (`?notice=`), from known codes only."""
    return SIGN_IN_NOTICES.get(code or "", "")


def sso_error_message(code: str | None) -> str:
    if code is None:
        return ""
    if code in SSO_ERROR_MESSAGES:
        return SSO_ERROR_MESSAGES[code]
    suffix = f" (code: {code})" if _CODE_SHAPE.match(code) else ""
    return "Signing in with the provider did not work" + suffix + "."


def sso_notice(query) -> tuple[str, bool]:
    """(message, is_error) for a page the SSO callback sent the browser back to."""
    if "sso_error" in query:
        return sso_error_message(query["sso_error"]), True
    if query.get("sso") == "linked":
        return "The provider is now linked to your account.", False
    return "", False
