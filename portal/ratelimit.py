"""Rate-limit counters shared by every server process on one machine.

``limits`` (under Flask-Limiter) keeps counters in memory, Redis, Memcached or
MongoDB. In memory each gunicorn process counts for itself, so "5 sign-ins a
minute" becomes 5 per process; the others need a service. This module adds
one more ``limits`` storage, ``sqlite:///<path>``: a small SQLite file next to
the database (WAL, one atomic upsert per hit) that all processes of one
machine share. It is the default (``<DATA_DIR>/ratelimit.sqlite``); with
``REDIS_URL`` set the portal uses Redis instead (several machines).

Only fixed windows are implemented (Flask-Limiter's default strategy).
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from limits.storage import Storage

#: About one hit in this many also deletes expired counters.
CLEANUP_EVERY = 500
BUSY_TIMEOUT_SECONDS = 5.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY,
    hits INTEGER NOT NULL,
    expires_at REAL NOT NULL
)
"""


class SQLiteStorage(Storage):
    """``limits`` storage in a SQLite file: ``sqlite:////abs/path/ratelimit.sqlite``."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        parsed = urlparse(uri)
        path = parsed.path[1:] if parsed.path.startswith("//") else parsed.path
        if not path:
            raise ValueError(f"rate-limit storage {uri!r} names no file")
        self.path = Path(path)
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid: int | None = None
        self._calls = 0

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        # One connection per process (made again after a fork), guarded by a lock.
        if self._connection is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                         check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(_SCHEMA)
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM counters WHERE key = ? AND expires_at <= ?", (key, now))
                (hits,) = db.execute(
                    "INSERT INTO counters (key, hits, expires_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET hits = hits + excluded.hits RETURNING hits",
                    (key, amount, now + expiry)).fetchone()
                self._calls += 1
                if self._calls % CLEANUP_EVERY == 0:
                    db.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return int(hits)

    def _row(self, key: str):
        with self._lock:
            return self._db().execute("SELECT hits, expires_at FROM counters WHERE key = ? AND expires_at > ?",
                                      (key, time.time())).fetchone()

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return float(row[1]) if row else time.time()

    def check(self) -> bool:
        try:
            with self._lock:
                self._db().execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        with self._lock:
            return self._db().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        with self._lock:
            self._db().execute("DELETE FROM counters WHERE key = ?", (key,))


def sqlite_uri(data_dir) -> str:
    """The shared SQLite counters of the data folder (the default storage)."""
    return f"sqlite:///{Path(data_dir).resolve() / 'ratelimit.sqlite'}"
