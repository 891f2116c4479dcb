"""Version counters in the database, bumped in the same transaction as the change.

Domains say which of their models feed which scopes::

    versions.track(Article, lambda article: {f"kb:{article.locale}"}, every=lambda: {"kb:en", ...})

and every ORM write of such a model, through any session and any write path
(``kb.services.save_article``, the status services, the importer, a test),
bumps those scopes' rows in ``cache_content_versions`` just before the
transaction commits (SQLAlchemy session events, so no write path can forget).
A rolled-back transaction bumps nothing. An ORM-enabled ``update(Model)`` /
``delete(Model)`` statement, which names no object, bumps the model's
``every`` scopes.

Readers call :func:`snapshot` (every page, the status banner): a process-local
memo of all counters, read again from the database after
``CONTENT_VERSION_TTL`` seconds (default 0.5) and at once after this process
committed a tracked change. So a change made through another server is seen
within that TTL, one tiny query per TTL per process, none per request.
"""
from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable

from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal.cache.models import ContentVersion
from portal.db import utcnow

log = logging.getLogger(__name__)

DEFAULT_TTL = 0.5

ScopesOf = Callable[[object], Iterable[str]]


@dataclass(frozen=True)
class _Tracker:
    scopes_of: ScopesOf  # the scopes one changed object feeds
    every: Callable[[], Iterable[str]]  # all scopes the model may feed (bulk statements)


_TRACKED: dict[type, _Tracker] = {}
#: Goes up after every commit in this process that bumped a scope: memos re-read.
_local_commits = itertools.count(1)
_local_generation = 0
_PENDING = "portal.cache.pending_scopes"


def track(model: type, scopes_of: ScopesOf, every: Callable[[], Iterable[str]] | None = None) -> None:
    """Bump ``scopes_of(obj)`` whenever an object of ``model`` is inserted, changed or deleted."""
    _TRACKED[model] = _Tracker(scopes_of, every or (lambda: ()))
    _listen()


def _tracker_for(obj) -> _Tracker | None:
    for cls in type(obj).__mro__:
        found = _TRACKED.get(cls)
        if found is not None:
            return found
    return None


def _collect(session: Session, objects) -> None:
    pending = session.info.setdefault(_PENDING, set())
    for obj in objects:
        tracker = _tracker_for(obj)
        if tracker is not None:
            pending.update(tracker.scopes_of(obj))


def _before_flush(session: Session, _context, _instances) -> None:
    _collect(session, session.new)
    _collect(session, (o for o in session.dirty if session.is_modified(o)))
    _collect(session, session.deleted)


def _on_orm_execute(state) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    tracker = _TRACKED.get(mapper.class_) if mapper is not None else None
    if tracker is not None:
        state.session.info.setdefault(_PENDING, set()).update(tracker.every())


def _before_commit(session: Session) -> None:
    # Objects changed since the last flush are flushed by commit after this hook.
    _before_flush(session, None, None)
    scopes = session.info.pop(_PENDING, None)
    if not scopes:
        return
    bump(session, scopes)
    session.info["portal.cache.bumped"] = True


def bump(session: Session, scopes: Iterable[str]) -> None:
    """Add one to each scope's counter (created at 1), inside the session's transaction.

    Sorted, so two transactions bumping the same scopes lock them in the same
    order (no deadlock on PostgreSQL)."""
    now = utcnow()
    connection = session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    for scope in sorted(set(scopes)):
        statement = dialect.insert(ContentVersion).values(scope=scope, version=1, changed_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=[ContentVersion.scope],
            set_={"version": ContentVersion.version + 1, "changed_at": now})
        connection.execute(statement)


def _after_commit(session: Session) -> None:
    global _local_generation
    if session.info.pop("portal.cache.bumped", False):
        _local_generation = next(_local_commits)


def _after_soft_rollback(session: Session, previous) -> None:
    # Only the outermost transaction's rollback undoes everything; a savepoint
    # rolled back keeps what was flushed before it (bumping too much is harmless).
    if previous.parent is None and not previous.nested:
        session.info.pop(_PENDING, None)
        session.info.pop("portal.cache.bumped", None)


_listening = False


def _listen() -> None:
    global _listening
    if _listening:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "do_orm_execute", _on_orm_execute)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_soft_rollback)
    _listening = True


@dataclass(frozen=True)
class Snapshot:
    """All counters as read at one moment: ``{scope: (version, changed_at)}``."""

    values: dict
    read_at: float

    def version(self, scope: str) -> int:
        found = self.values.get(scope)
        return found[0] if found else 0

    def changed_at(self, scopes: Iterable[str]) -> datetime | None:
        stamps = [self.values[s][1] for s in scopes if s in self.values]
        return max(stamps) if stamps else None

    def token(self, scopes: Iterable[str]) -> str:
        """The scopes' versions as one string: the same on every server."""
        return ".".join(f"{s}={self.version(s)}" for s in sorted(scopes))


class VersionMemo:
    """The process-local memo of the counters for one engine."""

    def __init__(self, engine, ttl: float = DEFAULT_TTL):
        self.engine, self.ttl = engine, ttl
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._generation = -1
        self.reads = 0  # database reads so far (tests, bench)
        self._failed = False
        self._retry_at = 0.0

    def snapshot(self) -> Snapshot | None:
        """The counters, at most ``ttl`` seconds old; None when they cannot be read."""
        current = self._snapshot
        now = time.monotonic()
        if current is None and now < self._retry_at:
            return None
        if current is not None and now - current.read_at < self.ttl and self._generation == _local_generation:
            return current
        with self._lock:
            current = self._snapshot
            if current is not None and time.monotonic() - current.read_at < self.ttl \
                    and self._generation == _local_generation:
                return current
            generation = _local_generation  # before the read: a commit during it re-reads next time
            try:
                with self.engine.connect() as connection:
                    rows = connection.execute(select(ContentVersion.scope, ContentVersion.version,
                                                     ContentVersion.changed_at)).all()
            except SQLAlchemyError:
                if not self._failed:  # once, not per request (e.g. `portal init` not run yet)
                    log.warning("content versions cannot be read; pages are not cached", exc_info=True)
                self._failed = True
                self._snapshot, self._retry_at = None, now + self.ttl
                return None
            self._failed = False
            self.reads += 1
            self._snapshot = Snapshot({scope: (version, at) for scope, version, at in rows}, now)
            self._generation = generation
            return self._snapshot

    def forget(self) -> None:
        self._snapshot = None


def memo_for(app) -> VersionMemo:
    memo = app.extensions.get("portal.content_versions")
    if memo is None:
        memo = app.extensions["portal.content_versions"] = VersionMemo(
            app.extensions["portal.engine"], float(app.config["CONTENT_VERSION_TTL"]))
    return memo


def snapshot() -> Snapshot | None:
    """The counters for the current app (see :class:`VersionMemo`)."""
    from flask import current_app

    return memo_for(current_app).snapshot()


_serials = itertools.count(1)


def app_serial(app) -> int:
    """A number no other app of this process had, for process-local cache keys
    (``id(app)`` may be reused once an app is gone, e.g. between tests)."""
    serial = app.extensions.get("portal.app_serial")
    if serial is None:
        serial = app.extensions["portal.app_serial"] = next(_serials)
    return serial


def is_tracked(obj) -> bool:
    return _tracker_for(obj) is not None


__all__ = ["Snapshot", "VersionMemo", "app_serial", "bump", "is_tracked", "memo_for", "snapshot", "track"]
