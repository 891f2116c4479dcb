"""The answer mailbox: an agent's answer, copied (BCC) to the portal, marks
its ticket answered.

``portal support ingest-mail < message.eml`` reads one RFC 5322 message
(a mail server's pipe, fetchmail's mda, procmail). The ticket is found, most
trusted first, by:

1. a signed recipient address ``answers+T-2026-000123.<signature>@example.com``
   (made from ``SUPPORT_ANSWER_ADDRESS``; the signature is an HMAC of the
   reference, so no one can mark another ticket by guessing an address);
2. ``In-Reply-To`` / ``References`` naming a Message-ID the portal sent about
   the ticket (its e-mail to support, the customer's confirmation);
3. the ``X-Portal-Ticket`` header, then the reference in the subject
   (``Re: AW: SV: [T-2026-000123] ...``, RFC 2047 encoded words decoded).

For (2) and (3) the sender must be support (a domain of
``SUPPORT_AGENT_DOMAINS``); mail from the ticket's own customer never counts
as an answer. The Message-ID makes the event idempotent: the same mail piped
twice is one event. ``X-Portal-Event: solved`` marks the ticket solved.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from email import message_from_bytes
from email.errors import HeaderParseError
from email.policy import default as default_policy
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.support import config as support_config
from portal.support import services
from portal.support.models import EVENT_ANSWERED, EVENT_KINDS, MailThread

REFERENCE = re.compile(r"\bT-\d{4}-\d{6}\b")
MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
MAX_MESSAGE_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class Outcome:
    """What became of one message: ``status`` is "recorded", "duplicate" or "ignored"."""

    status: str
    reason: str
    reference: str | None = None


def _signature(reference: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"answer:{reference}".encode(), hashlib.sha256).hexdigest()[:16]


def answer_address_for(reference: str) -> str | None:
    """The ticket's signed answer address, or None without ``SUPPORT_ANSWER_ADDRESS``."""
    base = support_config.answer_address()
    if not base or "@" not in base:
        return None
    local, domain = base.rsplit("@", 1)
    return f"{local}+{reference}.{_signature(reference)}@{domain}"


def _signed_reference(message) -> str | None:
    base = support_config.answer_address()
    if not base or "@" not in base:
        return None
    local, domain = base.lower().rsplit("@", 1)
    pattern = re.compile(rf"^{re.escape(local)}\+(t-\d{{4}}-\d{{6}})\.([0-9a-f]{{16}})@{re.escape(domain)}$")
    values = [str(v) for name in RECIPIENT_HEADERS for v in (message.get_all(name) or [])]
    for _name, address in getaddresses(values):
        match = pattern.match(address.strip().lower())
        if match:
            reference = match.group(1).upper()
            if hmac.compare_digest(match.group(2), _signature(reference)):
                return reference
    return None


def _thread_reference(session: Session, message) -> str | None:
    ids = MESSAGE_ID.findall(" ".join(str(message.get(h, "")) for h in ("In-Reply-To", "References")))
    if not ids:
        return None
    return session.scalars(select(MailThread.reference).where(MailThread.message_id.in_(ids[:50]))).first()


def _named_reference(message) -> str | None:
    for text in (str(message.get("X-Portal-Ticket", "")), str(message.get("Subject", ""))):
        match = REFERENCE.search(text.upper())
        if match:
            return match.group(0)
    return None


def _occurred_at(message):
    try:
        moment = parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment and moment.tzinfo else None


def ingest(session: Session, raw: bytes, tickets_config) -> Outcome:
    """Record the answer one message reports (commits when it records)."""
    if len(raw) > MAX_MESSAGE_BYTES:
        return Outcome("ignored", "too large")
    try:
        return _ingest(session, message_from_bytes(raw, policy=default_policy), tickets_config)
    except (HeaderParseError, ValueError, TypeError, IndexError, AttributeError) as err:
        # a header the parser cannot read: this copy is of no use, and must not stop the mailbox
        session.rollback()
        return Outcome("ignored", f"unreadable message ({type(err).__name__})")


def _ingest(session: Session, message, tickets_config) -> Outcome:
    signed = _signed_reference(message)
    reference = signed or _thread_reference(session, message) or _named_reference(message)
    if reference is None:
        return Outcome("ignored", "no ticket reference")
    ticket = services.ticket_by_reference(session, reference)
    if ticket is None:
        return Outcome("ignored", "unknown ticket", reference)
    name, sender = parseaddr(str(message.get("From", "")))
    sender = sender.strip().lower()
    if not sender or sender == ticket.email.strip().lower():
        return Outcome("ignored", "written by the customer", reference)
    if not signed and sender.rsplit("@", 1)[-1] not in support_config.agent_domains(tickets_config):
        return Outcome("ignored", "not from support", reference)
    kind = str(message.get("X-Portal-Event", "")).strip().lower() or EVENT_ANSWERED
    if kind not in EVENT_KINDS:
        kind = EVENT_ANSWERED
    message_id = str(message.get("Message-ID", "")).strip() or None
    try:
        recorded = services.record_event(session, reference, kind, occurred_at=_occurred_at(message),
                                         agent=name or sender, external_id=message_id, source="mail")
    except services.EventError as err:
        session.rollback()
        return Outcome("ignored", str(err), reference)
    session.commit()
    return Outcome("recorded" if recorded.created else "duplicate", kind, reference)
