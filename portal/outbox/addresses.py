"""Recipient addresses: the one e-mail check the outbox's callers share.

Status's subscribers and kb's welcome letter both take an address a person
typed; both normalise it here, so "the same address" means the same thing
for the opt-in, the fan-out and the welcome letter's idempotency key.
"""
from __future__ import annotations

from flask_babel import gettext as _

from portal.emails import InvalidEmail, validate_email


class AddressError(ValueError):
    """An address a person can correct; the message is translated and shown as is."""


def normalize_email(address: str) -> str:
    """The canonical spelling (:func:`portal.emails.validate_email`), or :class:`AddressError`."""
    try:
        return validate_email(address)
    except InvalidEmail:
        raise AddressError(_("Please enter a valid e-mail address, like name@example.com.")) from None
