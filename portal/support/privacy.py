"""GDPR access and erasure for a customer's tickets and what the support loop
keeps about them (lifecycle events, ratings, idea links), and the retention
purge.

The support tables hold no address: they name tickets by reference, so a
customer is found through their tickets. Erasing a ticket removes its support
rows, its stored files and the ticket; an idea keeps its (anonymous) title
and description but loses the requester. Ideas are not personal data.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.support import messages
from portal.support.models import Idea, IdeaRequester, MailThread, Rating, TicketEvent, TicketLifecycle
from portal.tickets import attachments
from portal.tickets.models import Ticket


def tickets_of(session: Session, email: str) -> list[Ticket]:
    address = (email or "").strip().lower()
    if not address:
        return []
    return list(session.scalars(select(Ticket).where(func.lower(Ticket.email) == address).order_by(Ticket.id)))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def export(session: Session, email: str) -> dict:
    """Everything stored about the tickets sent from ``email``, as JSON-ready data."""
    found = []
    for ticket in tickets_of(session, email):
        ref = ticket.reference
        lifecycle = session.get(TicketLifecycle, ref)
        found.append({
            "reference": ref, "form": ticket.form_slug, "locale": ticket.locale, "email": ticket.email,
            "name": ticket.name, "subject": ticket.subject, "status": ticket.status,
            "created_at": _iso(ticket.created_at), "callback_phone": ticket.callback_phone,
            "fields": {f.name: f.value for f in ticket.fields},
            "attachments": [a.original_name for a in ticket.attachments],
            "lifecycle": None if lifecycle is None else {
                "state": lifecycle.state, "first_answered_at": _iso(lifecycle.first_answered_at),
                "solved_at": _iso(lifecycle.solved_at)},
            "events": [{"kind": e.kind, "occurred_at": _iso(e.occurred_at), "agent": e.agent, "source": e.source}
                       for e in session.scalars(select(TicketEvent).where(TicketEvent.reference == ref))],
            "ratings": [{"round": r.round, "score": r.score, "comment": r.comment, "rated_at": _iso(r.rated_at)}
                        for r in session.scalars(select(Rating).where(Rating.reference == ref))],
            "ideas": [{"id": idea.id, "title": idea.title, "status": idea.status}
                      for idea in session.scalars(select(Idea).join(IdeaRequester)
                                                  .where(IdeaRequester.reference == ref))],
        })
    return {"email": email, "tickets": found}


def erase_ticket(session: Session, ticket: Ticket) -> None:
    """Remove a ticket, its files and every support row naming it (caller commits)."""
    ref = ticket.reference
    for model in (TicketEvent, Rating, IdeaRequester, MailThread):
        session.execute(delete(model).where(model.reference == ref))
    session.execute(delete(TicketLifecycle).where(TicketLifecycle.reference == ref))
    session.delete(ticket)
    attachments.remove_folder(current_app.config["UPLOAD_DIR"], ref)


def erase(session: Session, email: str) -> list[str]:
    """GDPR erasure of every ticket sent from ``email``; returns their references. Commits."""
    references = []
    for ticket in tickets_of(session, email):
        references.append(ticket.reference)
        erase_ticket(session, ticket)
    messages.erase_messages_to(session, email)
    session.commit()
    return references


def purge(session: Session, older_than_days: int, now: datetime | None = None) -> int:
    """Erase tickets older than the retention period (``portal support purge``). Commits."""
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    old = session.scalars(select(Ticket).where(Ticket.created_at < cutoff)).all()
    for ticket in old:
        erase_ticket(session, ticket)
    session.commit()
    return len(old)
