"""Status portal: components, incidents, maintenance, uptime, Statuspage API, feeds.

``init_app`` wires the domain into the app: the banner context (every page
shows active incidents), template helpers, the suggest provider (the ticket
form's "is this a known incident?"), the ``component``/``incident``/
``maintenance`` importers for ``portal import``, and the staff dashboard link.
"""
from __future__ import annotations

import re

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

_WORD = re.compile(r"\w{3,}", re.UNICODE)


def banner_items():
    """Active incidents and ongoing maintenance for the banner (once per request)."""
    from portal.status import queries

    return queries.ensure_fresh().active


def suggest_incidents(query: str, locale: str | None = None, limit: int = 5) -> list[dict]:
    """Active incidents whose name, updates or components share words with ``query``."""
    from portal.status import queries

    words = {w.lower() for w in _WORD.findall(query or "")}
    if not words:
        return []
    scored = []
    for item in queries.current_state().active:
        text_words = set(_WORD.findall(item.search_text))
        score = sum(1 for w in words if any(t.startswith(w) or w.startswith(t) for t in text_words if len(t) >= 3))
        if score:
            scored.append((score, item))
    scored.sort(key=lambda pair: (-pair[0], pair[1].name))
    return [{
        "id": item.public_id, "name": item.name, "status": item.status, "impact": item.impact,
        "url": url_for("status.incident_any_language", public_id=item.public_id, _external=True),
        "updated_at": item.updated_at.isoformat(),
    } for _score, item in scored[:limit]]


def init_app(app: Flask) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from portal.content import register_importer
    from portal.status import display, importer, queries

    # Globals rather than a context processor: imported macros see them too.
    app.jinja_env.globals.update(
        status_banner_items=banner_items,
        status_label=display.status_label,
        status_time=display.status_time,
        status_iso=display.iso_local,
        status_date=display.status_date,
    )

    # A commit anywhere may change the status: forget this request's memo of it.
    if not event.contains(Session, "after_commit", queries.forget_request_state):
        event.listen(Session, "after_commit", queries.forget_request_state)
    app.extensions.setdefault("portal.suggest_providers", {})["incidents"] = suggest_incidents
    register_importer(app, "component", importer.import_components)
    register_importer(app, "incident", importer.import_incident)
    register_importer(app, "maintenance", importer.import_incident)
    app.extensions.setdefault("portal.staff_links", []).append(
        {"endpoint": "status_staff.index", "label": _l("Status"), "roles": ("operator",)})
