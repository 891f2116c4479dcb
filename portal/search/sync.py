"""Keep the index in step with the database through SQLAlchemy session events.

As microblog's ``SearchableMixin``: changes are *collected* while the
transaction runs and *applied* to the index only after it commits, so a
rolled-back transaction never reaches the index.

We collect in ``after_flush`` rather than only in ``before_commit``: a
service that calls ``session.flush()`` (to get an id for a revision, say) has
already emptied ``session.new``/``dirty`` by the time ``before_commit`` runs,
and the commit's own final flush also passes through ``after_flush``. Only
article *ids* are kept; after the commit the index re-reads those rows in a
session of its own, so what it indexes is exactly what was committed (a draft
is removed, a deleted row is removed, a savepoint rolled back is not indexed).
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.search.index import IndexBusy, SearchIndex

log = logging.getLogger(__name__)

PENDING_KEY = "portal.search.pending_article_ids"

#: Per thread: the ids whose indexing is deferred (None when not deferring).
_deferred = threading.local()
#: Above this many deferred articles, the index is also merged into one segment.
DEFERRED_BATCH = 1000


def _article_class():
    from portal.kb.models import Article

    return Article


def _collect(session: Session, _flush_context) -> None:
    article = _article_class()
    pending: set[int] | None = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, article) and obj.id is not None:
            if obj in session.dirty and not session.is_modified(obj):
                continue
            if pending is None:
                pending = session.info.setdefault(PENDING_KEY, set())
            pending.add(obj.id)


def _forget(session: Session, previous_transaction) -> None:
    # Only the outermost rollback discards the collected ids: rows touched in a
    # rolled-back savepoint are simply re-read (and found unchanged) after commit.
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


def register(target, index: SearchIndex) -> None:
    """Listen on ``target`` (the app's sessionmaker) and apply commits to ``index``."""

    def _apply(session: Session) -> None:
        if session.get_nested_transaction() is not None:
            # SQLAlchemy also fires after_commit when a savepoint is released;
            # nothing is committed yet, so wait for the outermost commit.
            return
        ids = session.info.pop(PENDING_KEY, None)
        if not ids:
            return
        deferred = getattr(_deferred, "ids", None)
        if deferred is not None:
            deferred.update(ids)
            return
        try:
            index.sync_ids(ids)
        except IndexBusy:
            # The database change stands; `portal index update` repairs the index.
            log.error("search index busy; %d article(s) not indexed yet: %s", len(ids), sorted(ids))
        except Exception:
            log.exception("updating the search index failed for articles %s", sorted(ids))

    event.listen(target, "after_flush", _collect)
    event.listen(target, "after_commit", _apply)
    event.listen(target, "after_soft_rollback", _forget)


@contextmanager
def deferred_indexing(index: SearchIndex):
    """Collect the commits of this thread and index them once, at the end.

    For bulk work that commits per item (``portal import`` of thousands of
    files): one index update per commit costs a writer commit each time;
    deferred, the whole import costs a few. Commits are still applied if the
    block raises (they are in the database).
    """
    if getattr(_deferred, "ids", None) is not None:  # already deferring: the outer block applies
        yield
        return
    _deferred.ids = set()
    try:
        yield
    finally:
        ids = sorted(_deferred.ids)
        _deferred.ids = None
        # One writer for the whole import (the fast writer pools it in memory),
        # merged with what the index held into one segment after bulk work:
        # queries pay a lookup per segment.
        index.sync_ids(ids, optimize=len(ids) > DEFERRED_BATCH)
