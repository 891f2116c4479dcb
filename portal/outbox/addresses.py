"""Recipient addresses: the one e-mail check the outbox's callers share.

Status's subscribers and kb's welcome letter both take an address a person
typed; both normalise it here, so "the same address" means the same thing
for the opt-in, the fan-out and the welcome letter's idempotency key.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _

EMAIL_PATTERN = re.compile(r"^[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+\.[^@\s<>(),;:\"]+$")


class AddressError(ValueError):
    """An address a person can correct; the message is translated and shown as is."""


def normalize_email(address: str) -> str:
    """The address lower-cased, or :class:`AddressError`."""
    address = (address or "").strip()
    if len(address) > 254 or not EMAIL_PATTERN.match(address):
        raise AddressError(_("Please enter a valid e-mail address, like name@example.com."))
    local, _at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}".lower()
