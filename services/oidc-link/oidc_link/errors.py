"""The errors of SSO, typed; the shared middleware renders them as problem+json."""

from __future__ import annotations

from latchkey.errors import BadGateway, Conflict, LatchkeyError, ValidationFailed


def unknown_issuer(field: str = "issuer") -> ValidationFailed:
    return ValidationFailed({field: "unknown_issuer"}, "No SSO provider is configured with this id.")


class ProviderUnavailable(BadGateway):
    code = "provider_unavailable"
    message = "The identity provider did not answer as expected; try again later."


class LastSignInMethod(Conflict):
    code = "last_sign_in_method"
    message = "This is your last way to sign in; set a password or link another provider first."


class SsoFailed(LatchkeyError):
    """A callback that cannot complete; its code goes back to the browser as `sso_error`.

    Codes: invalid_state, issuer_mismatch, access_denied, provider_error, token_exchange_failed,
    invalid_id_token, provider_unavailable, account_linked_elsewhere,
    provider_already_linked, not_linked, user_unavailable, mfa_required (MFA_REQUIRED_FOR_HANDOFF), service_unavailable.
    """

    status = 400
    code = "sso_failed"
    message = "Single sign-on could not complete."
