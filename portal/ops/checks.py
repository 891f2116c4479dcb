"""What ``/readyz`` and ``/metrics`` read from the other domains.

Read-only queries, kept here so the routes stay thin and the outbox and
search domains need know nothing about operations.
"""
from __future__ import annotations

from sqlalchemy import func, select, text

from portal.db import session, utcnow


def database_ok() -> tuple[bool, str | None]:
    try:
        session.execute(text("SELECT 1"))
        session.rollback()
        return True, None
    except Exception as exc:  # any failure means "not ready"; the reason is shown
        session.rollback()
        return False, exc.__class__.__name__


def outbox_state() -> dict:
    """Undelivered messages per state and the age of the oldest one due now."""
    from portal.outbox.models import STATE_FAILED, STATE_PENDING, STATE_SENDING, Message

    now = utcnow()
    by_state = dict(session.execute(
        select(Message.state, func.count()).where(Message.state.in_((STATE_PENDING, STATE_SENDING, STATE_FAILED)))
        .group_by(Message.state)).all())
    oldest_due = session.scalar(select(func.min(Message.next_attempt_at)).where(
        Message.state.in_((STATE_PENDING, STATE_FAILED)), Message.next_attempt_at <= now))
    session.rollback()
    for state in (STATE_PENDING, STATE_SENDING, STATE_FAILED):
        by_state.setdefault(state, 0)
    return {"by_state": by_state,
            "oldest_due_seconds": max(0.0, (now - oldest_due).total_seconds()) if oldest_due else 0.0}


def index_lags() -> dict:
    from portal.search import services

    return services.index_lags()


def local_index_lag() -> int | None:
    from portal.search import services

    return services.local_lag()
