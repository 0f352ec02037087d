"""Who may use the SSO API: interactive sessions only (permission `oauth`)."""

from __future__ import annotations

from latchkey.errors import ForbiddenAuthMethod
from latchkey.tokens import Principal


def interactive_user_id(principal: Principal) -> int:
    """The user id of an interactive principal; API keys, Basic and org keys get 403."""
    # Linking an identity provider changes how the account can be entered, so
    # a leaked API key or Basic password must not be enough to do it.
    if principal.is_api_key or principal.is_org_key or "oauth" not in principal.perms or principal.user_id is None:
        raise ForbiddenAuthMethod("The SSO API needs an interactive session; API keys and Basic credentials cannot use it.")
    return principal.user_id
