"""Status portal: components, incidents, maintenance, uptime, Statuspage API, feeds,
and the subscribers who hear about them.

Subscriptions: ``subscription_models`` (Broadcast, Subscriber), ``subscribers``
(double opt-in, manage, erase), ``subscriber_links`` (signed links),
``broadcasts`` + ``fanout`` (one broadcast per post, expanded by the outbox
worker into one message per subscriber), ``subscriber_views``.

``init_app`` wires the domain into the app: the banner context (every page
shows active incidents), template helpers, the suggest provider (the ticket
form's and search page's "is this a known incident?", ``suggest.py``), the ``component``/``incident``/
``maintenance`` importers for ``portal import``, the staff dashboard links,
and, with the outbox worker: the broadcasts' fan-out, the maintenance clock
as a periodic job, and a warm-up of the notice templates at server start.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def banner_items():
    """Active incidents and ongoing maintenance for the banner (once per request)."""
    from portal.status import queries

    return queries.ensure_fresh().active


#: The page-cache scope of everything the status pages, banner and APIs show.
STATUS_SCOPE = "status"


def _next_transition_epoch() -> float | None:
    from portal.status import queries

    moment = queries.ensure_fresh().next_transition
    return moment.timestamp() if moment is not None else None


def _track_versions() -> None:
    """Every write of a status model bumps the ``status`` version (portal.cache.versions)."""
    from portal.cache import versions
    from portal.status.models import Component, ComponentGroup, ComponentStatusPeriod, Incident, IncidentUpdate

    for model in (Component, ComponentGroup, ComponentStatusPeriod, Incident, IncidentUpdate):
        versions.track(model, lambda _obj: (STATUS_SCOPE,), lambda: (STATUS_SCOPE,))


def init_app(app: Flask) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from portal.content import register_importer
    from portal.outbox import worker
    from portal.status import broadcasts, display, fanout, importer, localized, queries, reminders, services
    from portal.status.suggest import suggest_incidents

    # Globals rather than a context processor: imported macros see them too.
    app.jinja_env.globals.update(
        status_banner_items=banner_items,
        status_label=display.status_label,
        status_time=display.status_time,
        status_iso=display.iso_local,
        status_date=display.status_date,
        status_percent=display.status_percent,
        incident_name=localized.incident_name,
        update_body_html=localized.update_body_html,
        update_body=localized.update_body,
        component_name=localized.component_name,
        component_description=localized.component_description,
    )

    # A commit anywhere may change the status: forget this request's memo of it.
    if not event.contains(Session, "after_commit", queries.forget_request_state):
        event.listen(Session, "after_commit", queries.forget_request_state)
    _track_versions()
    # Every page shows the banner: cached pages depend on the status, and are
    # rendered again when a maintenance window starts or ends by itself.
    from portal.cache import pages

    pages.add_dependency(app, (STATUS_SCOPE,), _next_transition_epoch)
    app.extensions.setdefault("portal.suggest_providers", {})["incidents"] = suggest_incidents
    register_importer(app, "component", importer.import_components)
    register_importer(app, "incident", importer.import_incident)
    register_importer(app, "maintenance", importer.import_incident)
    app.extensions.setdefault("portal.staff_links", []).extend([
        {"endpoint": "status_staff.index", "label": _l("Status"), "roles": ("operator",)},
        {"endpoint": "notify_staff.index", "label": _l("Broadcast"), "roles": ("operator",)},
    ])

    broadcasts.connect_signals()
    worker.register_fanout(app, worker.FanOut(expand=fanout.expand_pending,
                                              in_progress=fanout.expansion_in_progress))
    # scheduled maintenance starts and completes on time
    worker.register_periodic_job(app, services.tick)
    # operators reminded of quiet trouble, subscribers of maintenance (portal.status.reminders)
    worker.register_periodic_job(app, reminders.tick)
    hooks = app.extensions.setdefault("portal.on_server_start", [])
    if broadcasts.warm_up_in not in hooks:
        hooks.append(broadcasts.warm_up_in)
