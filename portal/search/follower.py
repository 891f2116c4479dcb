"""Each server's index follows the database's change log (``search_changes``).

Several ``portal serve`` machines share one database but each keeps its own
Whoosh index (no shared filesystem). Every change to what is indexed is
logged in the transaction that made it (``changes.py``); the follower of each
server reads the log from where it got to and applies it to its own index
with the index's own ``sync_ids`` (it re-reads the rows, so what it indexes
is what is committed now, and applying a change twice is harmless).

Where it got to is a file in the index folder (:data:`POSITION_FILE`): a
watermark below which every change is applied. Log ids are handed out when a
transaction inserts, not when it commits, so on PostgreSQL id 41 may become
visible after id 42; a missing id above the watermark is kept as a *gap* and
looked for again until it turns up or :attr:`gap_seconds` pass (a rolled-back
transaction leaves a gap forever). Newer changes are applied meanwhile, so a
gap holds back only the watermark, never the index.

At start (:meth:`IndexFollower.prepare`):

* no position file and an empty index: rebuild (aside; the old index keeps
  serving), then follow from the log's head taken before the rebuild;
* no position file but documents (an upgraded single server): repair by
  comparison (``update``), then follow from the head;
* a position behind the log's retention (the rows it needs were pruned) or
  ahead of the log (another database): rebuild.

One follower runs per index folder: the gunicorn processes of one server
share the folder and take a file lock; the others keep trying, so one takes
over when the holder exits. The process that made a change indexes it at
once after its commit (``sync.py``) and writes its server id into the log
rows (``origin``), so the follower of the same index folder skips them: a
sibling gunicorn process's saves, or a ``portal import`` run beside the server,
are not indexed twice. (When that process fails to index, e.g. the index was
busy, it logs an error and ``portal index update`` repairs it, as with one
server.)

Each follower reports its position to ``search_index_positions`` (for
``portal index check`` and ``/readyz``).
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.db import utcnow
from portal.search import changes
from portal.search.index import IndexBusy, SearchIndex
from portal.search.models import SearchIndexPosition

log = logging.getLogger(__name__)

POSITION_FILE = "POSITION"
LOCK_FILE = "FOLLOWER.lock"
#: Changes read per round trip.
BATCH = 1000
#: At most this many missing ids are waited for (a huge jump is not a gap to wait on).
MAX_GAPS = 10_000

STATE_FOLLOWING = "following"
STATE_REBUILDING = "rebuilding"
STATE_CATCHING_UP = "catching up"


def default_server_id(index_dir) -> str:
    """Host name and index folder: two servers on one machine differ by folder."""
    return f"{socket.gethostname()}:{Path(index_dir).resolve()}"[:200]


def read_position(index_root) -> int | None:
    """The watermark kept in ``index_root`` (None when there is none)."""
    try:
        return int(json.loads((Path(index_root) / POSITION_FILE).read_text())["position"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass
class StepReport:
    applied: int = 0  # articles re-read and indexed
    changes: int = 0  # log rows read
    position: int = 0
    head: int = 0

    @property
    def lag(self) -> int:
        return max(0, self.head - self.position)


class IndexFollower:
    """Applies ``search_changes`` to one :class:`SearchIndex`."""

    def __init__(self, index: SearchIndex, session_factory, server_id: str, *,
                 gap_seconds: float = 300.0, report_seconds: float = 2.0):
        self.index = index
        self.session_factory = session_factory
        self.server_id = server_id
        self.gap_seconds = gap_seconds
        self.report_seconds = report_seconds
        self.position: int | None = None  # the watermark, once prepared
        self.fetched = 0  # highest id read
        self.head = 0
        self.state = STATE_CATCHING_UP
        self._gaps: dict[int, float] = {}  # missing id -> when first missed
        self._no_baseline = False
        self._applied: set[int] = set()  # log ids this process already indexed
        self._applied_lock = threading.Lock()
        self._reported_at = 0.0
        self._reported: tuple | None = None

    # -- told by sync.py ---------------------------------------------------

    def mark_applied(self, change_ids) -> None:
        """Log rows this process indexed itself right after its commit."""
        if not change_ids:
            return
        with self._applied_lock:
            if len(self._applied) > 100_000:  # never read (no follower here): do not grow forever
                self._applied.clear()
            self._applied.update(change_ids)

    # -- position ----------------------------------------------------------

    def _position_path(self) -> Path:
        return self.index.root / POSITION_FILE

    def _save_position(self) -> None:
        self.index.root.mkdir(parents=True, exist_ok=True)
        temporary = self.index.root / f".{POSITION_FILE}.{uuid.uuid4().hex}"
        temporary.write_text(json.dumps({"position": self.position, "server_id": self.server_id}))
        os.replace(temporary, self._position_path())

    def _report(self, force: bool = False) -> None:
        """Upsert this server's row in search_index_positions (throttled)."""
        now = time.monotonic()
        current = (self.position, self.state)
        elapsed = now - self._reported_at
        if not force and (elapsed < self.report_seconds
                          # unchanged: still refresh updated_at now and then (a sign of life)
                          or (current == self._reported and elapsed < 30 * self.report_seconds)):
            return
        values = {"position": self.position or 0, "state": self.state, "updated_at": utcnow()}
        with self.session_factory() as session:
            done = session.execute(update(SearchIndexPosition)
                                   .where(SearchIndexPosition.server_id == self.server_id).values(**values)).rowcount
            if not done:
                session.add(SearchIndexPosition(server_id=self.server_id, **values))
            try:
                session.commit()
            except IntegrityError:  # another process of this server inserted first
                session.rollback()
        self._reported, self._reported_at = current, now

    # -- start -------------------------------------------------------------

    def prepare(self) -> str:
        """Settle where to follow from (rebuilding if needed); returns what it did."""
        with self.session_factory() as session:
            head = changes.head(session)
            oldest = changes.oldest(session)
        position = read_position(self.index.root)
        if position is None:
            if self.index.doc_count() == 0:
                action = "rebuilt"
                self._rebuild()
            else:
                action = "compared"
                self.index.update()
            self.position = head
        elif position > head or (oldest is not None and oldest > position + 1):
            action = "rebuilt"
            self._rebuild()
            self.position = head
        else:
            action = "resumed"
            self.position = position
        self.fetched = self.position
        # An empty log says nothing about where its id sequence is (PostgreSQL
        # keeps counting after a prune): the first id read starts the count.
        self._no_baseline = head == 0
        self._gaps.clear()
        self._save_position()
        self.state = STATE_FOLLOWING
        self._report(force=True)
        log.info("search index follower %s: %s, following from change %s", self.server_id, action, self.position)
        return action

    def _rebuild(self) -> None:
        self.state = STATE_REBUILDING
        try:
            self._report(force=True)
        except Exception:  # the report is for operators; the rebuild matters
            log.exception("reporting the index position failed")
        self.index.rebuild()  # builds aside and swaps; compares afterwards for saves made meanwhile

    def rebuild(self) -> None:
        """Rebuild this server's index and follow on from the head taken before it."""
        with self.session_factory() as session:
            head = changes.head(session)
        self._rebuild()
        self.position = self.fetched = max(head, self.position or 0)
        self._gaps.clear()
        self._save_position()
        self.state = STATE_FOLLOWING
        self._report(force=True)

    # -- following ---------------------------------------------------------

    def step(self) -> StepReport:
        """Apply what is new in the log (and any gap that turned up)."""
        if self.position is None:
            self.prepare()
        report = StepReport()
        with self.session_factory() as session:
            rows = changes.since(session, self.fetched, BATCH)
            found_gaps = changes.by_ids(session, sorted(self._gaps)[:BATCH]) if self._gaps else []
            self.head = changes.head(session)
        wanted: set[int] = set()
        with self._applied_lock:
            for change_id, kind, key, origin in (*rows, *found_gaps):
                self._gaps.pop(change_id, None)
                if change_id in self._applied:
                    self._applied.discard(change_id)
                    continue
                if origin == self.server_id:
                    # made by a process on this index folder (a sibling gunicorn
                    # process, `portal import` beside the server): it indexed it
                    continue
                if kind == changes.KIND_ARTICLE:
                    wanted.add(int(key))
        now = time.monotonic()
        if rows and self._no_baseline:
            self.fetched = max(self.fetched, rows[0][0] - 1)
            self._no_baseline = False
        for change_id, *_rest in rows:
            for missing in range(self.fetched + 1, change_id):
                if len(self._gaps) < MAX_GAPS:
                    self._gaps.setdefault(missing, now)
            self.fetched = max(self.fetched, change_id)
        if wanted:
            self.index.sync_ids(wanted)  # raises IndexBusy: the loop retries with the same position
        for missing, since in list(self._gaps.items()):
            if now - since > self.gap_seconds:
                del self._gaps[missing]  # rolled back (or committed too late to wait for)
        watermark = min(self._gaps) - 1 if self._gaps else self.fetched
        if watermark != self.position:
            self.position = watermark
            self._save_position()
        report.applied, report.changes = len(wanted), len(rows) + len(found_gaps)
        report.position, report.head = self.position, max(self.head, self.fetched)
        self.state = STATE_FOLLOWING if report.lag == 0 else STATE_CATCHING_UP
        self._report()
        return report

    def catch_up(self, max_rounds: int = 10_000) -> StepReport:
        """Step until nothing new is read (for tests and ``portal index follow --once``)."""
        report = self.step()
        for _round in range(max_rounds):
            if report.changes < BATCH:
                break
            report = self.step()
        return report

    # -- the background thread ---------------------------------------------

    def run(self, stop: threading.Event, poll_seconds: float = 0.5) -> None:
        """Hold the folder's follower lock (waiting for it), then follow until ``stop``."""
        lock_path = self.index.root / LOCK_FILE
        self.index.root.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a+") as lock_file:
            while not stop.is_set():
                try:
                    fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:  # another process of this server follows
                    stop.wait(max(poll_seconds, 2.0))
            while not stop.is_set():
                try:
                    if self.position is None:
                        self.prepare()
                    report = self.step()
                except IndexBusy:
                    log.warning("search index busy; the follower retries")
                    report = None
                except Exception:  # the follower must outlive a database hiccup
                    log.exception("search index follower round failed")
                    report = None
                if report is None or report.changes < BATCH:
                    stop.wait(poll_seconds)


def start_in_process(app) -> threading.Thread | None:
    """The ``portal serve`` hook: a daemon follower thread in this process."""
    if not app.config["SEARCH_FOLLOW_IN_PROCESS"]:
        return None
    follower: IndexFollower = app.extensions["portal.search.follower"]
    stop = threading.Event()
    thread = threading.Thread(target=follower.run, args=(stop, float(app.config["SEARCH_FOLLOW_POLL_SECONDS"])),
                              name="portal-index-follower", daemon=True)
    app.extensions["portal.search.follower_stop"] = stop
    app.extensions["portal.search.follower_thread"] = thread
    thread.start()
    return thread


def positions(session) -> list[SearchIndexPosition]:
    return list(session.scalars(select(SearchIndexPosition).order_by(SearchIndexPosition.server_id)))
