"""Every message the session service sends, in words a user can check: who sends it, why, one link, what if not you.

Self-service (password reset, email verification) and the account's life (a sign-up on a taken
address, an email change: the confirmation to the new address and the notice to the old one).
"""

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


def signup_on_taken_email(*, to: str, public_url: str) -> Mail:
    return action_mail(
        to=to,
        kind="signup_taken",
        subject="someone tried to create an account with your address",
        public_url=public_url,
        lines=[
            "Someone, maybe you, tried to create an account with this email address. You already have one, so none was created.",
        ],
        action="Sign in, or choose a new password if you forgot it",
        url=f"{public_url}/forgot-password",
        after="If it was not you, nothing changed: you can ignore this message.",
    )


def email_change_confirmation(*, to: str, public_url: str, token: str, ttl: float) -> Mail:
    return action_mail(
        to=to,
        kind="email_change",
        subject="confirm your new email address",
        public_url=public_url,
        lines=[
            "Someone, hopefully you, asked to use this address for their account.",
            f"The address changes only when the link below is opened, once, within {_minutes(ttl)}. "
            "Confirming signs the account out everywhere else.",
        ],
        action="Use this email address",
        url=f"{public_url}/confirm-email-change?token={quote(token)}",
        after="If you did not ask for this, ignore this message: nothing changes.",
    )


def email_change_notice(*, to: str, public_url: str, new_email: str) -> Mail:
    return action_mail(
        to=to,
        kind="email_change_notice",
        subject="your account's email address is about to change",
        public_url=public_url,
        lines=[
            f"A change of your account's email address to {new_email} was asked for, with your password.",
            "It happens only when the link sent to the new address is opened.",
        ],
        action="If it was not you, choose a new password now",
        url=f"{public_url}/forgot-password",
        after="A new password voids the pending change and signs everyone else out.",
    )
