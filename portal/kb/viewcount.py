"""Counting article page views without a database write per view.

Article pages are served from the page cache, so the count runs as a page
hook (:func:`portal.cache.pages.on_serve`) on every view, cached or not.
Inside ``portal serve`` views are added up in memory and written every
:data:`FLUSH_SECONDS` by a thread of each server process (one upsert per
article and day; at most that many seconds of views are lost if the process
is killed, none on a normal stop). Elsewhere (tests, ``flask run``, the CLI)
each view is written at once.
"""
from __future__ import annotations

import atexit
import logging
import re
import threading
from collections import Counter

from portal.db import utcnow

log = logging.getLogger(__name__)

FLUSH_SECONDS = 2.0
#: Crawlers, link previews and monitors are not readers.
BOT = re.compile(r"bot|crawl|spider|slurp|preview|monitor|curl|wget|python-requests", re.IGNORECASE)


class ViewCounter:
    def __init__(self, app):
        self.app = app
        self._pending: Counter = Counter()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def hook(self, article_id: int):
        """The page hook counting one view of ``article_id`` (bots excluded)."""

        def count(environ) -> None:
            if not BOT.search(environ.get("HTTP_USER_AGENT") or ""):
                self.add(article_id)

        return count

    def add(self, article_id: int) -> None:
        key = (article_id, utcnow().date())
        if self._thread is None:
            self._write(Counter({key: 1}))
            return
        with self._lock:
            self._pending[key] += 1

    def flush(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, Counter()
        if batch:
            self._write(batch)

    def _write(self, batch: Counter) -> None:
        from portal.kb import services

        with self.app.app_context():
            services.record_views(batch)

    def start(self) -> None:
        """Buffer from now on, flushing from a thread of this process."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="portal-view-counter", daemon=True)
        self._thread.start()
        atexit.register(self.stop)

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            try:
                self.flush()
            except Exception:  # the database may be busy or away: keep the counts, try again
                log.warning("page views not written yet", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        try:
            self.flush()
        except Exception:
            log.warning("page views lost at exit", exc_info=True)


def counter_for(app) -> ViewCounter:
    found = app.extensions.get("portal.view_counter")
    if found is None:
        found = app.extensions["portal.view_counter"] = ViewCounter(app)
    return found
