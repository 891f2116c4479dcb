"""The support loop's write path for ticket lifecycles: every event, from the
helpdesk API, the answer mailbox or a staff member's click, goes through
:func:`record_event`.

An event is stored once (a retry with the same event id, or the same kind and
timestamp, changes nothing), then the ticket's state is recomputed from all its
events in time order, so events that arrive late or out of order give the same
state as events that arrive in order. The first "answered" or "solved" of each
round (a "reopened" starts a new round) queues the customer's rating request,
in the same transaction.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.support import messages
from portal.support.models import (
    EVENT_ANSWERED, EVENT_KINDS, EVENT_REOPENED, EVENT_SOLVED, STATE_ANSWERED, STATE_SOLVED, STATE_WAITING,
    MailThread, Rating, TicketEvent, TicketLifecycle,
)
from portal.tickets.models import STATUS_WITHDRAWN, Ticket

log = logging.getLogger(__name__)

#: How far in the future an event may claim to be (clock skew between systems).
FUTURE_SLACK = timedelta(minutes=10)
SOURCES = ("api", "mail", "staff")


class EventError(ValueError):
    """An event that cannot be recorded (unknown kind, time in the future)."""


class UnknownTicket(LookupError):
    """No ticket has this reference."""


@dataclass(frozen=True)
class Recorded:
    event: TicketEvent
    created: bool
    lifecycle: TicketLifecycle
    rating_requested: bool


def ticket_by_reference(session: Session, reference: str) -> Ticket | None:
    if not reference or len(reference) > 20:
        return None
    return session.scalars(select(Ticket).where(Ticket.reference == reference)).first()


def lifecycle_of(session: Session, reference: str) -> TicketLifecycle:
    found = session.get(TicketLifecycle, reference)
    if found is None:
        found = TicketLifecycle(reference=reference, state=STATE_WAITING, round=1, updated_at=utcnow())
        session.add(found)
    return found


def on_ticket_created(sender=None, *, session: Session, ticket: Ticket) -> None:
    """Receiver of :data:`portal.signals.ticket_created` (inside its transaction)."""
    from portal.support import ideas

    lifecycle_of(session, ticket.reference)
    for message_id in messages.thread_message_ids(ticket.reference):
        session.merge(MailThread(message_id=message_id, reference=ticket.reference))
    ideas.file_suggestion(session, ticket)


def _dedupe_key(kind: str, occurred_at: datetime, external_id: str | None) -> str:
    if external_id:
        return f"id:{external_id}"[:300]
    return f"{kind}@{occurred_at.astimezone(timezone.utc).isoformat()}"


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def record_event(session: Session, reference: str, kind: str, *, occurred_at: datetime | None = None,
                 agent: str | None = None, external_id: str | None = None, source: str = "api",
                 now: datetime | None = None) -> Recorded:
    """Store one lifecycle event (idempotent) and apply it; the caller commits."""
    if kind not in EVENT_KINDS:
        raise EventError(f"kind must be one of {', '.join(EVENT_KINDS)}")
    if source not in SOURCES:
        raise EventError(f"source must be one of {', '.join(SOURCES)}")
    ticket = ticket_by_reference(session, reference)
    if ticket is None:
        raise UnknownTicket(reference)
    now = now or utcnow()
    occurred_at = _aware(occurred_at) if occurred_at else now
    if occurred_at > now + FUTURE_SLACK:
        raise EventError("occurred_at is in the future")
    agent = (agent or "").strip()[:120] or None
    external_id = (external_id or "").strip()[:255] or None
    key = _dedupe_key(kind, occurred_at, external_id)
    existing = session.scalars(select(TicketEvent).where(TicketEvent.reference == reference,
                                                         TicketEvent.dedupe_key == key)).first()
    if existing is not None:
        return Recorded(existing, False, lifecycle_of(session, reference), False)
    event = TicketEvent(reference=reference, kind=kind, occurred_at=occurred_at, agent=agent, source=source,
                        external_id=external_id, dedupe_key=key, created_at=now)
    try:
        with session.begin_nested():  # a concurrent retry of the same event: theirs wins
            session.add(event)
            session.flush()
    except IntegrityError:
        existing = session.scalars(select(TicketEvent).where(TicketEvent.reference == reference,
                                                             TicketEvent.dedupe_key == key)).one()
        return Recorded(existing, False, lifecycle_of(session, reference), False)
    lifecycle, event_round = _recompute(session, ticket, event, now)
    requested = False
    if kind in (EVENT_ANSWERED, EVENT_SOLVED):
        requested = _request_rating(session, ticket, event_round, agent)
    log.info("ticket %s: %s (%s) at %s", reference, kind, source, occurred_at.isoformat())
    return Recorded(event, True, lifecycle, requested)


def _recompute(session: Session, ticket: Ticket, new_event: TicketEvent, now: datetime
               ) -> tuple[TicketLifecycle, int]:
    """Replay the ticket's events in time order; returns the state and the new event's round."""
    events = session.scalars(select(TicketEvent).where(TicketEvent.reference == ticket.reference)
                             .order_by(TicketEvent.occurred_at, TicketEvent.id)).all()
    state, round_number, first_at, first_agent, solved_at = STATE_WAITING, 1, None, None, None
    new_round, answered_this_round = 1, False
    for event in events:
        if event.kind == EVENT_REOPENED:
            if answered_this_round:  # reopening an unanswered ticket starts no new round
                round_number += 1
            state, solved_at, answered_this_round = STATE_WAITING, None, False
        else:
            answered_this_round = True
            if first_at is None:
                first_at, first_agent = event.occurred_at, event.agent
            if event.kind == EVENT_SOLVED:
                state, solved_at = STATE_SOLVED, event.occurred_at
            elif state != STATE_SOLVED:
                state = STATE_ANSWERED
        if event.id == new_event.id:
            new_round = round_number
    lifecycle = lifecycle_of(session, ticket.reference)
    lifecycle.state, lifecycle.round = state, round_number
    lifecycle.first_answered_at, lifecycle.first_agent, lifecycle.solved_at = first_at, first_agent, solved_at
    lifecycle.updated_at = now
    return lifecycle, new_round


def _request_rating(session: Session, ticket: Ticket, round_number: int, agent: str | None) -> bool:
    """Queue the rating request of this round once; a later event may name the agent."""
    existing = session.scalars(select(Rating).where(Rating.reference == ticket.reference,
                                                    Rating.round == round_number)).first()
    if existing is not None:
        if existing.agent is None and agent:
            existing.agent = agent
        return False
    if ticket.status == STATUS_WITHDRAWN:
        return False  # the customer withdrew it: nothing to rate
    from portal.support import ratings

    rating = Rating(reference=ticket.reference, round=round_number, link_key=secrets.token_urlsafe(24),
                    form_slug=ticket.form_slug, agent=agent, requested_at=utcnow())
    try:
        with session.begin_nested():
            session.add(rating)
            session.flush()
    except IntegrityError:  # asked for by a concurrent event of the same round
        return False
    messages.send_rating_request(session, ticket, rating, ratings.links_for(rating, ticket.locale))
    return True


def events_of(session: Session, reference: str) -> list[TicketEvent]:
    return list(session.scalars(select(TicketEvent).where(TicketEvent.reference == reference)
                                .order_by(TicketEvent.occurred_at, TicketEvent.id)))
