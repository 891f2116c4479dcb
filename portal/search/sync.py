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

The same hook writes the change log (``changes.py``) in the flushed
transaction, so every *other* server learns of the change from the database;
this process still indexes it at once after the commit (a save is searchable
here immediately) and tells its follower to skip those log rows.
"""
from __future__ import annotations

import logging
import threading
import weakref
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.search import changes
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


def _collect(session: Session, _flush_context, origin: str | None = None) -> None:
    article = _article_class()
    pending: set[int] | None = None
    logged: list[tuple[str, str, str]] = []
    deleted = session.deleted
    for obj in (*session.new, *session.dirty, *deleted):
        if isinstance(obj, article) and obj.id is not None:
            if obj in session.dirty and not session.is_modified(obj):
                continue
            if pending is None:
                pending = session.info.setdefault(PENDING_KEY, set())
            pending.add(obj.id)
            logged.append((changes.KIND_ARTICLE, str(obj.id),
                           changes.OP_DELETE if obj in deleted else changes.OP_SAVE))
    changes.record(session, logged, origin)


def _forget(session: Session, previous_transaction) -> None:
    # Only the outermost rollback discards the collected ids: rows touched in a
    # rolled-back savepoint are simply re-read (and found unchanged) after commit.
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
        session.info.pop(changes.CHANGE_IDS_KEY, None)


def _noop(_change_ids) -> None:
    return None


def register(target, index: SearchIndex, on_applied=_noop, origin: str | None = None) -> None:
    """Listen on ``target`` (the app's sessionmaker) and apply commits to ``index``.

    ``on_applied(change_ids)`` is told which log rows are already in the index
    (the follower's skip list); ``origin`` names this index in the log rows
    (every process on the same index folder indexes its own saves, so the
    folder's follower skips them)."""

    def _apply(session: Session) -> None:
        if session.get_nested_transaction() is not None:
            # SQLAlchemy also fires after_commit when a savepoint is released;
            # nothing is committed yet, so wait for the outermost commit.
            return
        ids = session.info.pop(PENDING_KEY, None)
        change_ids = session.info.pop(changes.CHANGE_IDS_KEY, None) or []
        if not ids:
            return
        deferred = getattr(_deferred, "ids", None)
        if deferred is not None:
            deferred.update(ids)
            _deferred.change_ids.extend(change_ids)
            return
        try:
            index.sync_ids(ids)
            on_applied(change_ids)
        except IndexBusy:
            # The database change stands; `portal index update` repairs the index.
            log.error("search index busy; %d article(s) not indexed yet: %s", len(ids), sorted(ids))
        except Exception:
            log.exception("updating the search index failed for articles %s", sorted(ids))

    event.listen(target, "after_flush", lambda session, context: _collect(session, context, origin))
    event.listen(target, "after_commit", _apply)
    event.listen(target, "after_soft_rollback", _forget)
    _on_applied[index] = on_applied


#: index -> its follower's skip-list callback (for deferred_indexing).
_on_applied: "weakref.WeakKeyDictionary[SearchIndex, object]" = weakref.WeakKeyDictionary()


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
    _deferred.change_ids = []
    try:
        yield
    finally:
        ids = sorted(_deferred.ids)
        change_ids = _deferred.change_ids
        _deferred.ids = None
        _deferred.change_ids = []
        # One writer for the whole import (the fast writer pools it in memory),
        # merged with what the index held into one segment after bulk work:
        # queries pay a lookup per segment.
        index.sync_ids(ids, optimize=len(ids) > DEFERRED_BATCH)
        _on_applied.get(index, _noop)(change_ids)
