"""Full-text search over articles (Whoosh) and the suggest API.

``init_app`` creates the app's one :class:`~portal.search.index.SearchIndex`,
keeps it in step with the database through session events (``sync.py``) and
adds the writers' "searches without results" and "synonyms" pages to the
staff dashboard, and lets deflected tickets teach suggest (``learning.py``).
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal import signals
from portal.content import register_import_context
from portal.search import answers, learning, sync
from portal.search.index import SearchIndex


def init_app(app: Flask) -> None:
    index = SearchIndex(
        app.config["SEARCH_INDEX_DIR"],
        app.extensions["portal.sessionmaker"],
        writer_timeout=float(app.config.get("SEARCH_WRITER_TIMEOUT", 10.0)),
        refresh_interval=float(app.config.get("SEARCH_REFRESH_INTERVAL", 1.0)),
    )
    app.extensions["portal.search"] = index
    answers.track_models()
    sync.register(app.extensions["portal.sessionmaker"], index)
    # `portal import` of thousands of files: index once at the end, not per batch.
    register_import_context(app, lambda: sync.deferred_indexing(index))
    app.extensions.setdefault("portal.staff_links", []).append(
        {"endpoint": "search_staff.no_results", "label": _l("Searches without results"), "roles": ("writer",)})
    app.extensions["portal.staff_links"].append(
        {"endpoint": "search_staff.synonyms_page", "label": _l("Synonyms"), "roles": ("writer",)})
    # Deflected tickets teach suggest (weak=False: the receiver is a module function).
    signals.deflection_event.connect(learning.on_deflection_event, weak=False)
