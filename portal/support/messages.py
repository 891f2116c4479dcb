"""Every message the support loop sends, and the ONE place it touches the outbox.

All outgoing mail goes through the transactional outbox's public enqueue API
(in the caller's transaction, with an idempotency key, so each message is
queued exactly once however often the cause is repeated). The outbox's
imports are confined to this module so a move of the outbox package changes
one import block.
"""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

# The outbox's public API (the only imports of the outbox package in portal.support).
from portal.outbox.links import external_url
from portal.outbox.services import message_id_for
from portal.outbox.services import enqueue_email

__all__ = ["external_url", "message_id_for", "thread_message_ids", "send_rating_request", "send_idea_shipped"]


def thread_message_ids(reference: str) -> list[str]:
    """The Message-IDs of the portal's own mails about a ticket (support copy, confirmation)."""
    return [message_id_for(f"ticket:{reference}:{kind}") for kind in ("support", "confirmation")]


def rating_key(reference: str, round_number: int) -> str:
    return f"support:rating:{reference}:{round_number}"


def send_rating_request(session: Session, ticket, rating, links: dict) -> None:
    """"How was our answer?" in the customer's language, with three one-click links."""
    with force_locale(ticket.locale):
        text = render_template("support/email/rating.txt", ticket=ticket, links=links,
                               site=current_app.config["SITE_NAME"])
        subject = _("How was our answer? (%(reference)s)", reference=ticket.reference)
    enqueue_email(session, to=ticket.email, subject=subject, text=text,
                  headers={"X-Portal-Ticket": ticket.reference, "Auto-Submitted": "auto-generated"},
                  key=rating_key(ticket.reference, rating.round), purpose="rating")


def idea_shipped_key(idea_id: int, reference: str) -> str:
    return f"support:idea-shipped:{idea_id}:{reference}"


def send_idea_shipped(session: Session, ticket, idea) -> None:
    """"Your idea has shipped" in the requester's language, with the release notes link."""
    with force_locale(ticket.locale):
        text = render_template("support/email/idea_shipped.txt", ticket=ticket, idea=idea,
                               site=current_app.config["SITE_NAME"])
        subject = _("Your suggestion is now available (%(reference)s)", reference=ticket.reference)
    enqueue_email(session, to=ticket.email, subject=subject, text=text,
                  headers={"X-Portal-Ticket": ticket.reference, "Auto-Submitted": "auto-generated"},
                  key=idea_shipped_key(idea.id, ticket.reference), purpose="idea")


def erase_messages_to(session: Session, address: str) -> int:
    """GDPR erasure: drop the outbox's copies of mail to ``address`` (tickets, ratings, ideas)."""
    from sqlalchemy import delete, func

    from portal.outbox.models import Message

    result = session.execute(delete(Message).where(func.lower(Message.recipient) == address.strip().lower(),
                                                   Message.purpose.in_(PERSONAL_PURPOSES)))
    return result.rowcount or 0


#: Outbox purposes of mail to a ticket's customer.
PERSONAL_PURPOSES = ("confirmation", "rating", "idea")
