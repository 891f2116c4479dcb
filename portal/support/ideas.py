"""Ideas from the suggestion form, tracked until they ship: the write path.

Every ticket of the ideas form (``SUPPORT_IDEAS_FORM``, default
``suggestion``) files a new idea with the ticket as its first requester.
Staff merge duplicates (the requesters move to the idea kept), link other
tickets, and set the status. Marking an idea shipped tells every requester,
in their language, exactly once: the outbox key is per idea and ticket, and
``notified_at`` is set in the same transaction.
"""
from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.support import config, messages
from portal.support.models import IDEA_SHIPPED, IDEA_STATUSES, Idea, IdeaRequester
from portal.tickets.models import Ticket

log = logging.getLogger(__name__)
MAX_TITLE = 300


class IdeaError(ValueError):
    """A change staff asked for that cannot be made (shown on the page)."""


def file_suggestion(session: Session, ticket: Ticket) -> Idea | None:
    """A new idea for a ticket of the ideas form (called as the ticket is created)."""
    if ticket.form_slug != config.ideas_form():
        return None
    description = next((f.value for f in ticket.fields if f.name == "description"), "")
    idea = Idea(title=(ticket.subject or description[:80] or ticket.reference)[:MAX_TITLE],
                description=description, created_at=ticket.created_at, updated_at=ticket.created_at)
    idea.requesters.append(IdeaRequester(reference=ticket.reference, created_at=ticket.created_at))
    session.add(idea)
    return idea


def resolve(session: Session, idea: Idea) -> Idea:
    """The idea a merged idea lives on in (follows the chain, safe against loops)."""
    seen = {idea.id}
    while idea.merged_into_id is not None:
        target = session.get(Idea, idea.merged_into_id)
        if target is None or target.id in seen:
            break
        seen.add(target.id)
        idea = target
    return idea


def link_ticket(session: Session, idea: Idea, reference: str) -> IdeaRequester:
    """Add a ticket as a requester of ``idea`` (no-op when already linked)."""
    idea = resolve(session, idea)
    reference = reference.strip().upper()
    if session.scalars(select(Ticket.id).where(Ticket.reference == reference)).first() is None:
        raise IdeaError("unknown ticket")
    found = next((r for r in idea.requesters if r.reference == reference), None)
    if found is None:
        found = IdeaRequester(reference=reference, created_at=utcnow())
        idea.requesters.append(found)
        idea.updated_at = utcnow()
        if idea.status == IDEA_SHIPPED:
            session.flush()
            _tell_requesters(session, idea)  # linked after shipping: told now, once
    session.commit()
    return found


def merge(session: Session, duplicate: Idea, into: Idea) -> Idea:
    """Move ``duplicate``'s requesters to ``into`` and mark it merged."""
    into = resolve(session, into)
    if resolve(session, duplicate).id == into.id:
        raise IdeaError("same idea")
    known = {r.reference for r in into.requesters}
    for requester in list(duplicate.requesters):
        duplicate.requesters.remove(requester)
        if requester.reference not in known:
            into.requesters.append(IdeaRequester(reference=requester.reference, created_at=requester.created_at,
                                                 notified_at=requester.notified_at))
            known.add(requester.reference)
    if duplicate.description and duplicate.description not in into.description:
        into.description = (into.description + "\n\n" + duplicate.description).strip()
    duplicate.merged_into_id = into.id
    duplicate.updated_at = into.updated_at = utcnow()
    session.flush()
    if into.status == IDEA_SHIPPED:
        _tell_requesters(session, into)
    session.commit()
    return into


def update(session: Session, idea: Idea, *, status: str, title: str | None = None,
           release_url: str | None = None) -> int:
    """Change status, title and release link; returns how many requesters were told."""
    if idea.merged_into_id is not None:
        raise IdeaError("merged")
    if status not in IDEA_STATUSES:
        raise IdeaError("status")
    release_url = (release_url or "").strip() or None
    if release_url and not release_url.startswith(("https://", "http://", "/")):
        raise IdeaError("release_url")
    if status == IDEA_SHIPPED and not (release_url or idea.release_url):
        raise IdeaError("release_url needed")
    if title and title.strip():
        idea.title = title.strip()[:MAX_TITLE]
    if release_url:
        idea.release_url = release_url[:500]
    now = utcnow()
    idea.status = status
    idea.updated_at = now
    told = 0
    if status == IDEA_SHIPPED:
        idea.shipped_at = idea.shipped_at or now
        told = _tell_requesters(session, idea)
    session.commit()
    return told


def _tell_requesters(session: Session, idea: Idea) -> int:
    """Queue "your idea shipped" for every requester not told yet (in the caller's transaction)."""
    told = 0
    for requester in idea.requesters:
        if requester.notified_at is not None:
            continue
        ticket = session.scalars(select(Ticket).where(Ticket.reference == requester.reference)).first()
        if ticket is None:  # the ticket was erased: nobody to tell
            continue
        messages.send_idea_shipped(session, ticket, idea)
        requester.notified_at = utcnow()
        told += 1
    log.info("idea %s shipped: %s requester(s) told", idea.id, told)
    return told


def listing(session: Session, status: str | None = None) -> list[dict]:
    """Ideas that are not merged, most requested first, with their requester counts."""
    counts = dict(session.execute(select(IdeaRequester.idea_id, func.count(IdeaRequester.id))
                                  .group_by(IdeaRequester.idea_id)).all())
    query = select(Idea).where(Idea.merged_into_id.is_(None))
    if status in IDEA_STATUSES:
        query = query.where(Idea.status == status)
    ideas = session.scalars(query.order_by(Idea.updated_at.desc())).all()
    rows = [{"idea": idea, "requesters": counts.get(idea.id, 0)} for idea in ideas]
    rows.sort(key=lambda row: -row["requesters"])
    return rows
