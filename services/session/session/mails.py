"""The messages the session service sends, in words a user can check: who sends it, why, one link, what if not you."""

from __future__ import annotations

import math
from urllib.parse import quote

from latchkey.mail import Mail, action_mail


def _minutes(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" + ("s" if hours != 1 else "")
    return f"{minutes} minute" + ("s" if minutes != 1 else "")


def password_reset(*, to: str, public_url: str, token: str, ttl: float) -> Mail:
    return action_mail(
        to=to,
        kind="password_reset",
        subject="reset your password",
        public_url=public_url,
        lines=[
            "Someone, hopefully you, asked to reset the password of the account with this email address.",
            f"The link below works once, for {_minutes(ttl)}. Signing in with a new password ends every other session.",
        ],
        action="Choose a new password",
        url=f"{public_url}/reset-password?token={quote(token)}",
        after="If you did not ask for this, ignore this message: your password stays as it is.",
    )


def email_verification(*, to: str, public_url: str, token: str, ttl: float) -> Mail:
    return action_mail(
        to=to,
        kind="email_verification",
        subject="confirm your email address",
        public_url=public_url,
        lines=[
            "Please confirm that this email address belongs to your account, so it can be used to recover it.",
            f"The link below works once, for {_minutes(ttl)}.",
        ],
        action="Confirm this email address",
        url=f"{public_url}/verify-email?token={quote(token)}",
        after="If you have no account here, ignore this message: nothing will be linked to this address.",
    )
