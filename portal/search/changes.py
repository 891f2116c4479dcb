"""The change log of what is indexed (``search_changes``), written in the same
transaction as the change itself.

``sync.py`` calls :func:`record` from its ``after_flush`` hook with the article
ids a flush touched; the rows commit or roll back with the change, so the log
never names a change that did not happen and never misses one that did (as
long as it goes through the ORM: a bulk ``UPDATE`` is repaired by
``portal index update``). Every server's follower (``follower.py``) reads the
log from where it got to and applies it to its own index.

The ids of the rows this session wrote are kept in ``session.info`` so that the
process that made the change, which indexes it at once after the commit, can
tell its follower to skip them.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.search.models import SearchChange

KIND_ARTICLE = "article"
OP_SAVE = "save"
OP_DELETE = "delete"

#: session.info key: ids of the search_changes rows this transaction wrote.
CHANGE_IDS_KEY = "portal.search.change_ids"


def record(session: Session, changes: list[tuple[str, str, str]], origin: str | None = None) -> list[int]:
    """Insert ``(kind, key, op)`` rows on the session's connection; returns their ids.

    Called inside a flush: the rows belong to the transaction being flushed.
    ``origin`` is the server (index folder) that indexes them itself.
    """
    if not changes:
        return []
    now = utcnow()
    rows = [{"kind": kind, "key": key, "op": op, "at": now, "origin": origin} for kind, key, op in changes]
    result = session.connection().execute(
        insert(SearchChange).returning(SearchChange.id, sort_by_parameter_order=True), rows)
    ids = [row[0] for row in result]
    session.info.setdefault(CHANGE_IDS_KEY, []).extend(ids)
    return ids


def head(session: Session) -> int:
    """The newest change id (0 for an empty log)."""
    return session.scalar(select(func.max(SearchChange.id))) or 0


def count_after(session: Session, position: int) -> int:
    """How many changes a server at ``position`` has yet to apply (its lag)."""
    return session.scalar(select(func.count()).select_from(SearchChange).where(SearchChange.id > position)) or 0


def oldest(session: Session) -> int | None:
    return session.scalar(select(func.min(SearchChange.id)))


def since(session: Session, position: int, limit: int) -> list[tuple[int, str, str, str | None]]:
    """``(id, kind, key, origin)`` of the changes after ``position``, oldest first."""
    return [tuple(row) for row in session.execute(
        select(SearchChange.id, SearchChange.kind, SearchChange.key, SearchChange.origin)
        .where(SearchChange.id > position).order_by(SearchChange.id).limit(limit))]


def by_ids(session: Session, ids) -> list[tuple[int, str, str, str | None]]:
    return [tuple(row) for row in session.execute(
        select(SearchChange.id, SearchChange.kind, SearchChange.key, SearchChange.origin)
        .where(SearchChange.id.in_(list(ids))))]


def prune(session: Session, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete changes older than ``older_than``; a server behind them rebuilds."""
    cutoff = (now or utcnow()) - older_than
    deleted = session.execute(delete(SearchChange).where(SearchChange.at < cutoff)).rowcount
    session.commit()
    return deleted or 0
