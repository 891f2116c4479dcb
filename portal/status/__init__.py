"""Status portal: components, incidents, maintenance, uptime, Statuspage API, feeds.

``init_app`` wires the domain into the app: the banner context (every page
shows active incidents), template helpers, the suggest provider (the ticket
form's and search page's "is this a known incident?", ``suggest.py``), the ``component``/``incident``/
``maintenance`` importers for ``portal import``, and the staff dashboard link.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def banner_items():
    """Active incidents and ongoing maintenance for the banner (once per request)."""
    from portal.status import queries

    return queries.ensure_fresh().active


def init_app(app: Flask) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from portal.content import register_importer
    from portal.status import display, importer, queries
    from portal.status.suggest import suggest_incidents

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
