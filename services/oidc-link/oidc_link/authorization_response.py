"""RFC 9207: the issuer named in an authorization response.

With several providers configured, a mix-up attack makes the browser bring
back a code from one provider to the callback of a flow started with another,
so that we redeem it at the wrong token endpoint. A provider that advertises
`authorization_response_iss_parameter_supported` adds `iss` to its redirect
back; we then require it, equal (as a string, RFC 9207 §2.4) to the issuer of
the flow's provider. A provider that does not advertise it may still send it:
when present it must match too.
"""

from __future__ import annotations

import logging
from typing import Any

from .errors import SsoFailed

log = logging.getLogger("oidc_link.authorization_response")


def check_response_issuer(metadata: dict[str, Any], iss: str | None, *, provider_id: str) -> None:
    """Nothing when the response's `iss` is acceptable for this provider; `SsoFailed("issuer_mismatch")` otherwise."""
    advertised = metadata.get("authorization_response_iss_parameter_supported") is True
    if iss is None and not advertised:
        return
    if iss != metadata["issuer"]:
        fields = {"provider": provider_id, "iss_present": iss is not None}
        log.warning("callback refused: authorization response from another issuer", extra={"fields": fields})
        raise SsoFailed("The authorization response names another issuer.", code="issuer_mismatch")
