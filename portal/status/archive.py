"""Writing past incidents and maintenance (status as code): part of the write path,
built from :mod:`portal.status.timeline` like the live writes (the same checks
and the same timeline entries); re-exported by :mod:`portal.status.services`.

A file describes a whole incident at once: its updates with their times, the
component statuses it caused and a postmortem. :func:`store_past_incident`
stores it as it was, lays its component statuses over the status history for
its time span (so the uptime bars show it) and never notifies anybody: this is
history, not news. Reimporting a changed file replaces the incident's timeline
and keeps its public id, so links stay valid.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from portal import db, signals
from portal.db import utcnow
from portal.status import history
from portal.status.models import COMPLETED, POSTMORTEM, RESOLVED, UNDER_MAINTENANCE, Component, Incident
from portal.status.timeline import (
    StatusError, check_impact, check_incident_status, render_body, sort_timeline, timeline_entry,
)


@dataclass
class PastUpdate:
    at: datetime
    status: str
    body: str


@dataclass
class PastIncident:
    key: str
    source_hash: str
    name: str
    impact: str
    components: dict[Component, str]
    updates: list[PastUpdate]
    postmortem: str | None = None
    is_maintenance: bool = False
    scheduled_for: datetime | None = None
    scheduled_until: datetime | None = None
    extra: dict = field(default_factory=dict)


def validate(record: PastIncident) -> None:
    if not record.name.strip():
        raise StatusError(_("The file has no name."))
    check_impact(record.impact, maintenance=record.is_maintenance)
    if not record.updates:
        raise StatusError(_("An incident needs at least one update."))
    for update in record.updates:
        check_incident_status(update.status, maintenance=record.is_maintenance)
    final = record.updates[-1].status
    if final not in (RESOLVED, COMPLETED):
        raise StatusError(_("Files hold past incidents: the last update must be resolved or completed."))
    if record.postmortem and record.is_maintenance:
        raise StatusError(_("Maintenance has no postmortem."))


def store_past_incident(record: PastIncident) -> str:
    """Create or replace the incident of a file; ``created|updated|unchanged``."""
    validate(record)
    sess = db.get_session()
    incident = sess.scalar(select(Incident).where(Incident.source_key == record.key))
    if incident is not None and incident.source_hash == record.source_hash:
        return "unchanged"
    outcome = "updated" if incident is not None else "created"
    updates = sorted(record.updates, key=lambda u: u.at)
    started, ended = updates[0].at, updates[-1].at
    if incident is None:
        incident = Incident(source_key=record.key, created_by="import")
        sess.add(incident)
    else:
        incident.updates.clear()
    incident.name = record.name.strip()
    incident.impact = record.impact
    incident.is_maintenance = record.is_maintenance
    incident.scheduled_for = record.scheduled_for
    incident.scheduled_until = record.scheduled_until
    incident.status = POSTMORTEM if record.postmortem else updates[-1].status
    incident.created_at = started
    incident.started_at = record.scheduled_for or started
    incident.monitoring_at = next((u.at for u in updates if u.status == "monitoring"), None)
    incident.resolved_at = ended
    incident.updated_at = utcnow()
    incident.source_hash = record.source_hash
    incident.components = list(record.components)
    incident.component_statuses = {str(c.id): s for c, s in record.components.items()}
    if record.postmortem:
        incident.postmortem_body = record.postmortem
        incident.postmortem_html, _text = render_body(record.postmortem)
        incident.postmortem_published_at = ended
    else:
        incident.postmortem_body = incident.postmortem_html = incident.postmortem_published_at = None
    for update in updates:
        incident.updates.append(timeline_entry(update.status, update.body, at=update.at, by="import",
                                               notify=False, affected=[], created_at=update.at))
    sess.flush()
    sort_timeline(incident)
    span_start = record.scheduled_for if record.is_maintenance and record.scheduled_for else started
    span_end = record.scheduled_until if record.is_maintenance and record.scheduled_until else ended
    for component, status in record.components.items():
        status = UNDER_MAINTENANCE if record.is_maintenance else status
        history.overlay_period(sess, component, status, span_start, span_end)
    if record.is_maintenance:
        signals.maintenance_event.send(incident, session=sess, maintenance=incident, update=None,
                                       event="completed", notify=False)
    else:
        signals.incident_event.send(incident, session=sess, incident=incident, update=None,
                                    event="resolved", notify=False)
    sess.commit()
    return outcome
