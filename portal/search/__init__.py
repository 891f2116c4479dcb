"""Full-text search over articles (Whoosh) and the suggest API.

``init_app`` creates the app's one :class:`~portal.search.index.SearchIndex`,
keeps it in step with the database through session events (``sync.py``) and,
for other servers' changes, the change log (``changes.py``, ``follower.py``), and
adds the writers' "searches without results" and "synonyms" pages to the
staff dashboard, and lets deflected tickets teach suggest (``learning.py``).
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal import signals
from portal.content import register_import_context
from portal.search import answers, changes, learning, sync
from portal.search.follower import IndexFollower, default_server_id, start_in_process
from portal.search.index import SearchIndex

#: How often (seconds) a worker loop prunes the change log.
PRUNE_EVERY_SECONDS = 3600.0
_last_prune: list[float | None] = [None]


def init_app(app: Flask) -> None:
    index = SearchIndex(
        app.config["SEARCH_INDEX_DIR"],
        app.extensions["portal.sessionmaker"],
        writer_timeout=float(app.config["SEARCH_WRITER_TIMEOUT"]),
        refresh_interval=float(app.config["SEARCH_REFRESH_INTERVAL"]),
    )
    app.extensions["portal.search"] = index
    answers.track_models()
    # Every other server learns of this one's changes through the change log;
    # this server's follower applies theirs (follower.py).
    follower = IndexFollower(index, app.extensions["portal.sessionmaker"],
                             app.config["SEARCH_SERVER_ID"] or default_server_id(index.root))
    app.extensions["portal.search.follower"] = follower
    sync.register(app.extensions["portal.sessionmaker"], index, on_applied=follower.mark_applied,
                  origin=follower.server_id)
    app.extensions.setdefault("portal.on_server_start", []).append(start_in_process)
    periodic_jobs = app.extensions.setdefault("portal.periodic_jobs", [])
    if prune_changes not in periodic_jobs:
        periodic_jobs.append(prune_changes)
    # `portal import` of thousands of files: index once at the end, not per batch.
    register_import_context(app, lambda: sync.deferred_indexing(index))
    app.extensions.setdefault("portal.staff_links", []).append(
        {"endpoint": "search_staff.no_results", "label": _l("Searches without results"), "roles": ("writer",)})
    app.extensions["portal.staff_links"].append(
        {"endpoint": "search_staff.synonyms_page", "label": _l("Synonyms"), "roles": ("writer",)})
    # Deflected tickets teach suggest (weak=False: the receiver is a module function).
    signals.deflection_event.connect(learning.on_deflection_event, weak=False)


def prune_changes() -> None:
    """Periodic job: forget changes older than SEARCH_CHANGES_RETENTION_DAYS (hourly per process)."""
    import time
    from datetime import timedelta

    from flask import current_app

    from portal.db import session

    now = time.monotonic()
    if _last_prune[0] is not None and now - _last_prune[0] < PRUNE_EVERY_SECONDS:
        return
    _last_prune[0] = now
    changes.prune(session, timedelta(days=float(current_app.config["SEARCH_CHANGES_RETENTION_DAYS"])))
