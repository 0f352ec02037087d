"""The messages of the account's life: a sign-up on a taken address, an email change (confirm, and notice)."""

from __future__ import annotations

from urllib.parse import quote

from latchkey.mail import Mail, action_mail

from .mails import _minutes


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
