"""Time-based one-time passwords (RFC 6238) for authenticator apps, with pyotp; QR codes with segno.

Codes are 6 digits over 30-second steps (the parameters every authenticator
app assumes). A code is accepted for its own step and one step either side
(clock drift), and the step it matched is returned so the caller can refuse
any step at or before the last one accepted: each code works once.
"""

from __future__ import annotations

import pyotp
import segno

from latchkey.security import constant_time_equals

DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1  # RFC 6238 §5.2: one step either side


def new_secret() -> str:
    """160 random bits in base32 (RFC 4226 recommends at least 128; authenticator apps take base32)."""
    return pyotp.random_base32(32)


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code `code` is, within the drift allowed; None when it is no current code."""
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    otp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int(now // STEP_SECONDS)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Every candidate is compared (no early exit), in constant time.
        if constant_time_equals(otp.generate_otp(step), code) and found is None:
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The `otpauth://totp/...` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code: drawn here, so the secret never goes to an image service."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=4, dark="#000", light="#fff", title="QR code for your authenticator app")
