"""Deflection measured: how many contact attempts the help center answered.

An *attempt* is one visit to a contact form, identified by a random id the
browser makes (kept in ``sessionStorage``, never a cookie). Its steps are
:class:`~portal.tickets.models.DeflectionEvent` rows; nothing personal is
stored: no IP address, no e-mail, and the only text kept (the query of an
attempt in which no suggestion was opened) is scrubbed by :func:`pii.scrub`.

* explicit deflection: "This solved my problem" clicks and tickets withdrawn
  after submitting, per attempt started;
* likely deflection: attempts that opened a suggestion and then left without
  submitting (nothing for :data:`LEFT_AFTER` since they started);
* self-service score: help-center page views (articles and search, counted per
  day without cookies) per person who submitted a ticket.
"""
from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta

from flask import Flask, current_app, request
from sqlalchemy import and_, distinct, exists, func, select
from sqlalchemy.orm import Session, aliased

from portal import db, signals
from portal.db import utcnow
from portal.tickets import pii
from portal.tickets.models import DeflectionEvent, HelpCenterVisitDaily, Ticket

log = logging.getLogger(__name__)

STARTED = "started"
SUGGESTIONS_SHOWN = "suggestions_shown"
SUGGESTION_OPENED = "suggestion_opened"
SOLVED = "solved"
ABANDONED = "abandoned"
SUBMITTED = "submitted"
WITHDRAWN = "withdrawn"

#: Events the browser may send (submitted and withdrawn are recorded by the server).
CLIENT_EVENTS = (STARTED, SUGGESTIONS_SHOWN, SUGGESTION_OPENED, SOLVED, ABANDONED)
#: Counted once per attempt, however often the browser repeats them.
ONCE_PER_ATTEMPT = (STARTED, SUGGESTIONS_SHOWN, SOLVED, ABANDONED, SUBMITTED, WITHDRAWN)
ALL_EVENTS = CLIENT_EVENTS + (SUBMITTED, WITHDRAWN)

#: An attempt that opened a suggestion and sent nothing for this long "left".
LEFT_AFTER = timedelta(minutes=30)
#: What the browser typed, sent with opened/solved events, is read up to this long.
LEARNED_QUERY_CHARS = 5000
ATTEMPT_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
ARTICLE_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")
HELP_CENTER_PATH = re.compile(r"^/(?:en|nl|de|sv|pl)/(?:articles/[^/]+|search)/?$")
BOT_AGENT = re.compile(r"bot|crawl|spider|slurp|preview|monitor|curl|wget|python-requests", re.IGNORECASE)


class EventError(ValueError):
    """An event the endpoint refuses (unknown name, malformed id...)."""


def record(session: Session, attempt_id: str, event: str, *, form_slug: str | None = None,
           locale: str | None = None, article_slug: str | None = None, query: str | None = None,
           typed: str | None = None) -> bool:
    """Add one event to the session (no commit). False when it was a repeat.

    ``typed`` (what the customer had typed when opening or solving) is not
    stored here; it goes to :data:`portal.signals.deflection_event` receivers
    (search learns terms of it)."""
    if event in ONCE_PER_ATTEMPT:
        seen = session.scalar(select(DeflectionEvent.id).where(
            DeflectionEvent.attempt_id == attempt_id, DeflectionEvent.event == event).limit(1))
        if seen is not None:
            return False
    signals.deflection_event.send(session=session, attempt_id=attempt_id, event=event, locale=locale,
                                  article_slug=article_slug, query=pii.scrub(typed) if typed else None)
    if query:
        query = pii.scrub(" ".join(query.split()))[:300] or None
    session.add(DeflectionEvent(attempt_id=attempt_id, event=event, form_slug=form_slug, locale=locale,
                                article_slug=article_slug, query=query))
    return True


def record_client_event(payload: dict, locale: str, form_slugs) -> bool:
    """Check and store an event posted by the browser; commits."""
    if not isinstance(payload, dict):
        raise EventError("expected a JSON object")
    event = payload.get("event")
    attempt_id = payload.get("attempt_id")
    if event not in CLIENT_EVENTS:
        raise EventError(f"unknown event; expected one of {', '.join(CLIENT_EVENTS)}")
    if not isinstance(attempt_id, str) or not ATTEMPT_ID.match(attempt_id):
        raise EventError("attempt_id must be 8-64 letters, digits or dashes")
    form_slug = payload.get("form")
    if form_slug is not None and form_slug not in form_slugs:
        raise EventError("unknown form")
    article = payload.get("article")
    if article is not None and (not isinstance(article, str) or not ARTICLE_SLUG.match(article)):
        raise EventError("article must be an article slug")
    query = payload.get("query")
    typed = query[:LEARNED_QUERY_CHARS] if isinstance(query, str) and event in (SUGGESTION_OPENED, SOLVED) else None
    # the query is kept only for attempts that end without opening anything
    if event != ABANDONED or not isinstance(query, str):
        query = None
    stored = record(db.session, attempt_id, event, form_slug=form_slug, locale=locale,
                    article_slug=article, query=query, typed=typed)
    db.session.commit()
    return stored


def count_help_center_view(day: date) -> None:
    """Add one page view to the day's counter (its own short transaction)."""
    dialect = db.engine().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(HelpCenterVisitDaily).values(day=day, views=1).on_conflict_do_update(
        index_elements=["day"], set_={"views": HelpCenterVisitDaily.views + 1})
    with db.engine().begin() as connection:
        connection.execute(statement)


def init_counter(app: Flask) -> None:
    """Count successful GETs of help-center articles and search: no cookies, no IPs."""

    @app.after_request
    def _count_help_center(response):
        if (request.method == "GET" and response.status_code == 200
                and current_app.config["TICKETS_COUNT_VISITS"]
                and HELP_CENTER_PATH.match(request.path)
                and not BOT_AGENT.search(request.headers.get("User-Agent", ""))):
            from portal.tickets.config import get_config

            try:
                day = utcnow().astimezone(get_config().schedule.timezone).date()
                count_help_center_view(day)
            except Exception:  # a counter must never break the page it counts
                log.exception("could not count a help-center view")
        return response


# -- the staff report ---------------------------------------------------------

def _count_attempts_with(event: str, since: datetime):
    return select(func.count(distinct(DeflectionEvent.attempt_id))).where(
        DeflectionEvent.event == event, DeflectionEvent.created_at >= since)


def report(session: Session, *, days: int = 30, now: datetime | None = None, timezone=None) -> dict:
    """Everything on the staff deflection page, for the last ``days`` days."""
    now = now or utcnow()
    since = now - timedelta(days=days)

    def count(event: str) -> int:
        return session.scalar(_count_attempts_with(event, since)) or 0

    started = count(STARTED)
    solved = count(SOLVED)
    withdrawn = count(WITHDRAWN)
    submitted = session.scalar(select(func.count(Ticket.id)).where(Ticket.created_at >= since)) or 0
    submitters = session.scalar(select(func.count(distinct(func.lower(Ticket.email)))).where(
        Ticket.created_at >= since)) or 0

    opened = aliased(DeflectionEvent)
    later = aliased(DeflectionEvent)
    left = session.scalar(
        select(func.count(distinct(opened.attempt_id))).where(
            opened.event == SUGGESTION_OPENED,
            opened.created_at >= since,
            opened.created_at < now - LEFT_AFTER,
            ~exists().where(and_(later.attempt_id == opened.attempt_id, later.event.in_((SUBMITTED, SOLVED)))),
        )) or 0
    visits = session.scalar(select(func.coalesce(func.sum(HelpCenterVisitDaily.views), 0)).where(
        HelpCenterVisitDaily.day >= (since.astimezone(timezone) if timezone else since).date())) or 0

    return {
        "days": days,
        "attempts": started,
        "solved": solved,
        "withdrawn": withdrawn,
        "left_after_opening": left,
        "submitted": submitted,
        "submitters": submitters,
        "help_center_views": int(visits),
        "explicit_rate": (solved + withdrawn) / started if started else None,
        "likely_rate": left / started if started else None,
        "self_service_score": visits / submitters if submitters else None,
        "daily": _daily(session, since, now, timezone),
        "unanswered_queries": unanswered_queries(session, since),
    }


def _daily(session: Session, since: datetime, now: datetime, timezone) -> list[dict]:
    """Per day (in the support time zone): attempts per event, tickets, views."""
    rows = session.execute(select(DeflectionEvent.event, DeflectionEvent.attempt_id, DeflectionEvent.created_at)
                           .where(DeflectionEvent.created_at >= since)).all()
    seen: dict[tuple, set] = {}
    for event, attempt_id, created_at in rows:
        day = created_at.astimezone(timezone).date() if timezone else created_at.date()
        seen.setdefault((day, event), set()).add(attempt_id)
    views = dict(session.execute(select(HelpCenterVisitDaily.day, HelpCenterVisitDaily.views).where(
        HelpCenterVisitDaily.day >= since.date())).all())
    first = (since.astimezone(timezone) if timezone else since).date()
    last = (now.astimezone(timezone) if timezone else now).date()
    days = []
    day = last
    while day > first:
        entry = {"day": day, "views": views.get(day, 0)}
        for event in ALL_EVENTS:
            entry[event] = len(seen.get((day, event), ()))
        days.append(entry)
        day -= timedelta(days=1)
    return days


def unanswered_queries(session: Session, since: datetime, limit: int = 50) -> list[tuple[str, int]]:
    """Scrubbed queries of attempts that opened no suggestion, most frequent first."""
    attempts = func.count(distinct(DeflectionEvent.attempt_id))  # an attempt that left and came back counts once
    rows = session.execute(
        select(func.lower(DeflectionEvent.query), attempts)
        .where(DeflectionEvent.query.is_not(None), DeflectionEvent.created_at >= since)
        .group_by(func.lower(DeflectionEvent.query))
        .order_by(attempts.desc(), func.lower(DeflectionEvent.query))
        .limit(limit)).all()
    return [(query, n) for query, n in rows]
