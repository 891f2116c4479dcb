"""The building blocks every status write shares: checks, the timeline entry,
component statuses and what they go back to.

Public on purpose: :mod:`portal.status.services` (incidents, components),
:mod:`portal.status.maintenance` (scheduled windows) and
:mod:`portal.status.archive` (past incidents from files) each own their writes
and build them from these pieces, so no module reaches into another's private
helpers and each rule (an allowed status, an allowed impact, a default text)
is written once. Nothing here commits: the write that calls it does, once.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import db, signals
from portal.db import utcnow
from portal.status import history
from portal.status.markup import MarkdownRefused, render
from portal.status.models import (
    CLOSED_STATUSES, COMPLETED, COMPONENT_STATUSES, IMPACTS, IN_PROGRESS, INCIDENT_STATUSES, MAINTENANCE_IMPACT,
    MAINTENANCE_STATUSES, MONITORING, RESOLVED, SCHEDULED, SEVERITY, VERIFYING, Component, Incident,
    IncidentUpdate, worst_status,
)


class StatusError(ValueError):
    """Bad input an operator can fix; the message says how."""


def session():
    return db.get_session()


def actor(by) -> str | None:
    """Who made a change, as stored: a staff user's e-mail, or a label such as "import"."""
    if by is None:
        return None
    return getattr(by, "email", None) or str(by)


# --- checks ---------------------------------------------------------------------

def check_component_status(status: str) -> None:
    if status not in COMPONENT_STATUSES:
        raise StatusError(_("Unknown component status %(status)s (use one of %(allowed)s).",
                            status=status, allowed=", ".join(COMPONENT_STATUSES)))


def check_incident_status(status: str, maintenance: bool) -> None:
    allowed = MAINTENANCE_STATUSES if maintenance else INCIDENT_STATUSES
    if status not in allowed:
        raise StatusError(_("Unknown status %(status)s (use one of %(allowed)s).",
                            status=status, allowed=", ".join(allowed)))


def check_impact(impact: str, maintenance: bool) -> None:
    allowed = (MAINTENANCE_IMPACT,) if maintenance else IMPACTS
    if impact not in allowed:
        raise StatusError(_("Unknown impact %(impact)s (use one of %(allowed)s).",
                            impact=impact, allowed=", ".join(allowed)))


def default_impact(statuses: dict[Component, str]) -> str:
    """An incident's impact from the component statuses it sets."""
    worst = SEVERITY[worst_status(statuses.values())]
    return "major" if worst >= SEVERITY["major_outage"] else "minor" if worst >= SEVERITY["degraded_performance"] \
        else "none"


def default_body(status: str) -> str:
    """The update text used when an operator posts a status without words."""
    return {
        "investigating": _("We are investigating this issue."),
        "identified": _("The issue has been identified and a fix is being implemented."),
        "monitoring": _("A fix has been implemented and we are monitoring the results."),
        RESOLVED: _("This incident has been resolved."),
        SCHEDULED: _("Maintenance is scheduled."),
        IN_PROGRESS: _("Scheduled maintenance is currently in progress."),
        VERIFYING: _("Maintenance is being verified."),
        COMPLETED: _("The scheduled maintenance has been completed."),
    }.get(status, "")


def render_body(body: str) -> tuple[str, str]:
    """``(html, text)`` of an update or postmortem; text the renderer refuses
    (too long, nested too deeply) is the operator's to fix."""
    try:
        return render(body)
    except MarkdownRefused as exc:
        raise StatusError(str(exc)) from exc


# --- components -----------------------------------------------------------------

def find_component(ref: str) -> Component | None:
    """By code, public id or name (case-insensitive): what the CLI and APIs accept."""
    sess = session()
    ref = (ref or "").strip()
    return (sess.scalar(select(Component).where(Component.code == ref.lower()))
            or sess.scalar(select(Component).where(Component.public_id == ref))
            or sess.scalar(select(Component).where(func.lower(Component.name) == ref.lower())))


def resolve_components(statuses) -> dict[Component, str]:
    """Accept {Component|code|public id: status} and check every entry."""
    resolved: dict[Component, str] = {}
    for ref, status in (statuses or {}).items():
        component = ref if isinstance(ref, Component) else find_component(str(ref))
        if component is None:
            raise StatusError(_("There is no component %(ref)s.", ref=ref))
        check_component_status(status)
        resolved[component] = status
    return resolved


def apply_status(sess, component: Component, status: str, at: datetime) -> dict | None:
    """Change one component's status; returns Statuspage's affected_components entry."""
    old = component.status
    if old == status:
        return None
    component.status = status
    component.updated_at = utcnow()
    history.record_change(sess, component, status, at)
    signals.component_status_changed.send(component, session=sess, component=component, old_status=old,
                                          new_status=status)
    return {"code": component.public_id, "name": component.name, "old_status": old, "new_status": status}


def restored_statuses(sess, incident: Incident) -> dict[Component, str]:
    """What the incident's components go back to: operational, or what other open incidents say."""
    others = sess.scalars(select(Incident).where(Incident.id != incident.id,
                                                  Incident.status.not_in(CLOSED_STATUSES + (SCHEDULED,)))).all()
    restored = {}
    for component in incident.components:
        claimed = [s for s in (o.component_statuses.get(str(component.id)) for o in others) if s]
        restored[component] = worst_status(claimed)
    return restored


# --- the timeline ---------------------------------------------------------------

def add_update(sess, incident: Incident, status: str, body: str, statuses: dict[Component, str],
               notify: bool, by, at: datetime) -> IncidentUpdate:
    """Append one timeline entry, set the component statuses it names."""
    affected = []
    for component, component_status in statuses.items():
        if component not in incident.components:
            incident.components.append(component)
        incident.component_statuses = {**incident.component_statuses, str(component.id): component_status}
        entry = apply_status(sess, component, component_status, at)
        if entry:
            affected.append(entry)
    update = timeline_entry(status, body, at=at, by=by, notify=notify, affected=affected,
                            created_at=utcnow())
    update.incident = incident
    sess.add(update)
    incident.status = status
    incident.updated_at = max(at, utcnow())
    if status == MONITORING and incident.monitoring_at is None:
        incident.monitoring_at = at
    if status in (RESOLVED, COMPLETED):
        incident.resolved_at = at
    sess.flush()
    sort_timeline(incident)
    return update


def timeline_entry(status: str, body: str, *, at: datetime, by, notify: bool, affected: list,
                   created_at: datetime) -> IncidentUpdate:
    """One ``IncidentUpdate`` row, its markdown rendered (the caller attaches it):
    the one place live updates and imported history build their entries."""
    html, _text = render_body(body)
    return IncidentUpdate(status=status, body=body, body_html=html, affected_components=affected,
                          deliver_notifications=notify, created_by=actor(by), created_at=created_at,
                          updated_at=created_at, display_at=at)


def sort_timeline(incident: Incident) -> None:
    """Keep the loaded timeline newest first (the relationship's order), also
    for updates added in this session, which SQLAlchemy appends at the end."""
    incident.updates.sort(key=lambda u: (u.display_at, u.id or 0), reverse=True)

