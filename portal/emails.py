"""E-mail addresses: the one rule for what is valid and how an address is spelled.

Validation is ``email-validator``'s (the library WTForms' ``Email()`` uses), without
DNS look-ups (``check_deliverability=False``: no network in a form post or an
import). ``test_environment=True`` accepts the ``.test`` names RFC 2606 reserves
for testing (staff accounts in tests and examples use them; nothing is ever
delivered there); other reserved names (``localhost``, ``.local``, ``.invalid``)
and addresses without a dot after the ``@`` stay invalid.

The canonical spelling, which accounts and subscriptions are stored and looked up
by: surrounding white space dropped, the domain in its Unicode form (so
``bücher.de`` and ``xn--bcher-kva.de`` are one address), and all of it lower-case
(providers treat the local part case-insensitively; a customer who types
``Jo@Example.com`` once and ``jo@example.com`` later is the same person).
"""
from __future__ import annotations

import email_validator

#: RFC 5321's limit on a whole address (email-validator enforces it too).
MAX_EMAIL_LENGTH = 254


class InvalidEmail(ValueError):
    """Not an e-mail address; ``str(error)`` says why, in English (for logs and
    import reports; pages show their own translated message)."""


def validate_email(address: str | None) -> str:
    """The canonical spelling of ``address``, or :class:`InvalidEmail`."""
    text = (address or "").strip() if isinstance(address, str) or address is None else None
    if not text:
        raise InvalidEmail("an e-mail address is required" if text == "" else "an e-mail address must be text")
    try:
        checked = email_validator.validate_email(text, check_deliverability=False, test_environment=True)
    except email_validator.EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from None
    return checked.normalized.lower()


def is_email(address) -> bool:
    """True when :func:`validate_email` accepts ``address``."""
    try:
        validate_email(address)
    except InvalidEmail:
        return False
    return True


def normalize_email(address: str | None) -> str:
    """The canonical spelling for a look-up; never raises.

    An address that is not valid (a mistyped sign-in, an account made before
    this rule) is still compared in the same trimmed, lower-case form, so it
    simply finds nothing or what it found before.
    """
    try:
        return validate_email(address)
    except InvalidEmail:
        return (address or "").strip().lower() if isinstance(address, str) else ""
