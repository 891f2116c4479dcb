"""The portal itself as a benchmark engine: its real import and suggest path.

:class:`PortalEngine` makes an app on a temporary data folder (SQLite, Whoosh
index, both on disk as in production), migrates it, imports the corpus files
through ``portal.content.import_paths`` (the code behind ``portal import``:
front matter, markdown rendering, ``kb.services.save_article``, indexing), and
answers queries with ``portal.search.services.suggest`` inside a request
context, as the ``/api/v1/suggest`` view does. The context push is outside the
timed call (``last_ms``), so its latency compares with the peers' bare calls.

Phases are kept apart: ``import_docs`` (``import_paths``: one commit per file,
the index brought up to date once at the end of each run), ``rebuild``
(``rebuild_index()``: the full index build alone).
"""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path


class PortalNotReady(RuntimeError):
    """The portal's search or import is not there yet (or failed to load)."""


def portal_ready() -> str | None:
    """None when the portal's suggest path can be measured, else the reason."""
    try:
        from portal.search import services
    except Exception as exc:  # a half-written module must not stop the peers
        return f"portal.search.services does not import: {exc.__class__.__name__}: {exc}"
    missing = [name for name in ("suggest", "rebuild_index") if not hasattr(services, name)]
    if missing:
        return f"portal.search.services has no {', '.join(missing)} yet"
    return None


def make_app(data_dir: Path, **overrides):
    """A production-like app (not TESTING) on ``data_dir`` with a migrated SQLite database."""
    from portal import create_app, db, migrations

    config = {
        "DATA_DIR": str(data_dir),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'portal.db'}",
        "SEARCH_INDEX_DIR": str(data_dir / "index"),
        "UPLOAD_DIR": str(data_dir / "uploads"),
        "MAIL_DIR": str(data_dir / "mail"),
        "SECRET_KEY": "bench",
        "RATELIMIT_ENABLED": False,
        "WORKER_IN_PROCESS": False,
    }
    config.update(overrides)
    app = create_app(config)
    with app.app_context():
        migrations.upgrade(db.engine())
    return app


def import_groups(docs) -> list[tuple[str, list[Path]]]:
    """(default locale, files) groups, as ``portal import DIR --locale xx`` would get them."""
    groups: dict[str, list[Path]] = defaultdict(list)
    for doc in docs:
        groups[doc.locale].append(doc.path)
    return sorted(groups.items())


class PortalEngine:
    name = "portal"

    def __init__(self, data_dir: Path | None = None) -> None:
        reason = portal_ready()
        if reason:
            raise PortalNotReady(reason)
        self._tmp = None if data_dir else tempfile.mkdtemp(prefix="bench-portal-")
        self.data_dir = Path(data_dir or self._tmp)
        try:
            self.app = make_app(self.data_dir)
        except Exception as exc:  # another domain's half-written code: report, don't crash
            self._cleanup()
            raise PortalNotReady(f"the app does not start: {exc.__class__.__name__}: {exc}") from exc
        self.import_seconds = None
        self.rebuild_seconds = None
        self.import_report = None
        self.last_ms = 0.0

    def import_docs(self, docs) -> dict:
        """Import the corpus files; returns created/updated/unchanged/failed counts."""
        from portal.content import import_paths

        totals = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
        failures: list[tuple[str, str]] = []
        started = time.perf_counter()
        with self.app.app_context():
            for locale, paths in import_groups(docs):
                report = import_paths(paths, default_locale=locale)
                for key in ("created", "updated", "unchanged"):
                    totals[key] += getattr(report, key)
                totals["failed"] += len(report.failed)
                failures.extend(report.failed)
        self.import_seconds = time.perf_counter() - started
        self.import_report = {**totals, "seconds": self.import_seconds, "first_failures": failures[:5]}
        if totals["failed"] > totals["created"] + totals["updated"] + totals["unchanged"]:
            raise PortalNotReady(f"import fails: {failures[:3]}")
        return self.import_report

    def rebuild(self) -> float:
        from portal.search import services

        with self.app.app_context():
            started = time.perf_counter()
            services.rebuild_index()
            self.rebuild_seconds = time.perf_counter() - started
        return self.rebuild_seconds

    def build(self, docs) -> None:
        """Import through ``import_paths``, as ``portal import`` does."""
        self.import_docs(docs)

    def query(self, text: str, locale: str | None, limit: int = 5) -> list[str]:
        from portal.search import services

        with self.app.test_request_context("/api/v1/suggest"):
            started = time.perf_counter()
            results = services.suggest(text, locale=locale, limit=limit)
            self.last_ms = (time.perf_counter() - started) * 1000
        return [r["slug"] for r in results]

    def query_ticket(self, subject: str, description: str, locale: str | None, limit: int = 5) -> list[str]:
        """Suggestions for a ticket's subject and description (the ticket form's call)."""
        from portal.search import services

        with self.app.test_request_context("/api/v1/suggest"):
            started = time.perf_counter()
            results = services.suggest(subject=subject, description=description, locale=locale, limit=limit)
            self.last_ms = (time.perf_counter() - started) * 1000
        return [r["slug"] for r in results]

    def update(self, doc) -> None:
        """Save one article with a changed title through ``kb.services.save_article``
        (commit, then the index update the commit triggers)."""
        from sqlalchemy import select

        from portal.db import session
        from portal.kb import services as kb
        from portal.kb.models import Article

        with self.app.app_context():
            article = session.scalar(select(Article).where(Article.slug == doc.slug, Article.locale == doc.locale))
            if article is None:
                raise RuntimeError(f"article {doc.key} is not in the database")
            kb.save_article(
                slug=article.slug, locale=article.locale, title=doc.title, body_md=article.body_md,
                category=article.category_slug, tags=article.tags or (), summary=article.summary,
                status=article.status, position=article.position, extra=article.extra,
                source_path=article.source_path, source_hash=article.source_hash, author="bench")

    # -- reusing an imported data folder between scripts ------------------------

    MARKER = "bench-corpus.json"

    def has_corpus(self, description: str) -> bool:
        """Whether this data folder already holds the corpus ``description`` names."""
        marker = self.data_dir / self.MARKER
        return marker.is_file() and json.loads(marker.read_text()).get("corpus") == description

    def mark_corpus(self, description: str) -> None:
        (self.data_dir / self.MARKER).write_text(json.dumps({"corpus": description}))

    def index_bytes(self) -> int:
        return sum(p.stat().st_size for p in Path(self.app.config["SEARCH_INDEX_DIR"]).rglob("*") if p.is_file())

    def close(self) -> None:
        from portal import db

        with self.app.app_context():
            db.engine().dispose()
        self._cleanup()

    def _cleanup(self) -> None:
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

