"""Who may call which organization route: one place for the policy.

- Server-to-server routes take the organization's own API key (the gateway
  resolved `x-org-id` + `x-api-key` to `principal.org`); one organization's key
  never reaches another's users.
- Reading the user directory is also open to an interactive session of an
  ADMIN of that organization, or of a platform admin.
- Admin routes (settings, integrations) need an interactive session (`oauth`),
  so no API key, Basic credential or org key can read or rotate a key.
"""

from __future__ import annotations

from latchkey.errors import Forbidden, ForbiddenAuthMethod
from latchkey.tokens import Principal

from .repository import OrganizationRow

ORG_ADMIN = "ADMIN"
PLATFORM_ADMIN = "PLATFORM_ADMIN"
INTERACTIVE = "oauth"


def require_org_key(principal: Principal, org: OrganizationRow) -> None:
    if not principal.is_org_key:
        raise ForbiddenAuthMethod("This route takes the organization's API key (x-org-id and x-api-key).")
    if principal.org != org.id:
        raise Forbidden("This organization key belongs to another organization.")


def require_admin_session(principal: Principal, org: OrganizationRow) -> None:
    non_interactive = principal.is_org_key or principal.is_api_key or "basic" in principal.amr
    if INTERACTIVE not in principal.perms or non_interactive:
        raise ForbiddenAuthMethod("Sign in interactively to manage the organization.")
    if principal.role == PLATFORM_ADMIN:
        return
    if principal.role != ORG_ADMIN or principal.org != org.id:
        raise Forbidden("Only an admin of this organization may do this.")


def require_directory_reader(principal: Principal, org: OrganizationRow) -> None:
    if principal.is_org_key:
        require_org_key(principal, org)
    else:
        require_admin_session(principal, org)
