"""The status domain's one write path.

The staff pages, the ``portal incident`` commands, the operator API, the
monitoring webhook and the file importer all call these functions, so status
history, timestamps and notifications cannot be forgotten. Each public function
commits; before the commit it sends :data:`portal.signals.incident_event` or
:data:`portal.signals.maintenance_event` with the session, so the notify domain
adds its outbox messages to the same transaction.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import db, signals
from portal.db import utcnow
from portal.status import history
from portal.status.markup import MarkdownRefused, render
from portal.status.models import (
    CLOSED_STATUSES, COMPLETED, COMPONENT_STATUSES, DEGRADED, IMPACTS, IN_PROGRESS, INCIDENT_STATUSES,
    MAINTENANCE_IMPACT, MAINTENANCE_STATUSES, MAJOR_OUTAGE, MONITORING, OPERATIONAL, PARTIAL_OUTAGE,
    POSTMORTEM, RESOLVED, SCHEDULED, UNDER_MAINTENANCE, VERIFYING, Component, ComponentGroup, Incident,
    IncidentUpdate,
)


class StatusError(ValueError):
    """Bad input an operator can fix; the message says how."""


_CODE_CHARS = re.compile(r"[^a-z0-9]+")

# Worse statuses win when two open incidents touch one component.
_SEVERITY = {OPERATIONAL: 0, UNDER_MAINTENANCE: 1, DEGRADED: 2, PARTIAL_OUTAGE: 3, MAJOR_OUTAGE: 4}


def make_code(name: str) -> str:
    return _CODE_CHARS.sub("-", name.lower()).strip("-")[:80] or "component"


def _actor(by) -> str | None:
    if by is None:
        return None
    return getattr(by, "email", None) or str(by)


def _session():
    return db.get_session()


# --- components -----------------------------------------------------------------

def create_group(name: str, position: int = 100, description: str | None = None) -> ComponentGroup:
    name = (name or "").strip()
    if not name:
        raise StatusError(_("A group needs a name."))
    sess = _session()
    if sess.scalar(select(ComponentGroup).where(ComponentGroup.name == name)):
        raise StatusError(_("A group named %(name)s exists already.", name=name))
    group = ComponentGroup(name=name, position=position, description=description)
    sess.add(group)
    sess.commit()
    return group


def get_or_create_group(name: str, position: int | None = None) -> ComponentGroup:
    sess = _session()
    group = sess.scalar(select(ComponentGroup).where(ComponentGroup.name == name))
    if group is None:
        return create_group(name, position if position is not None else 100)
    if position is not None and group.position != position:
        group.position = position
        group.updated_at = utcnow()
        sess.commit()
    return group


def create_component(name: str, code: str | None = None, *, group: ComponentGroup | None = None,
                     description: str | None = None, position: int = 100, showcase: bool = True,
                     only_show_if_degraded: bool = False, status: str = OPERATIONAL,
                     start_date: datetime | None = None) -> Component:
    """A new component; its history starts at ``start_date`` (default now)."""
    name = (name or "").strip()
    if not name:
        raise StatusError(_("A component needs a name."))
    _check_component_status(status)
    code = make_code(code or name)
    sess = _session()
    if sess.scalar(select(Component).where(Component.code == code)):
        raise StatusError(_("A component with the code %(code)s exists already.", code=code))
    now = utcnow()
    component = Component(name=name, code=code, group=group, description=description, position=position,
                          showcase=showcase, only_show_if_degraded=only_show_if_degraded, status=status,
                          created_at=now, updated_at=now)
    sess.add(component)
    sess.flush()
    history.record_change(sess, component, status, min(start_date or now, now))
    sess.commit()
    return component


def update_component(component: Component, **fields) -> Component:
    """Change name, description, position, group, showcase, only_show_if_degraded."""
    allowed = {"name", "description", "position", "group", "showcase", "only_show_if_degraded"}
    unknown = set(fields) - allowed
    if unknown:
        raise StatusError(_("Unknown component fields: %(names)s", names=", ".join(sorted(unknown))))
    for key, value in fields.items():
        setattr(component, key, value)
    component.updated_at = utcnow()
    _session().commit()
    return component


def set_component_status(component: Component, status: str, at: datetime | None = None) -> Component:
    """Set a status by hand (no incident); recorded in the history."""
    _check_component_status(status)
    _apply_status(_session(), component, status, at or utcnow())
    _session().commit()
    return component


def find_component(ref: str) -> Component | None:
    """By code, public id or name (case-insensitive): what the CLI and APIs accept."""
    sess = _session()
    ref = (ref or "").strip()
    return (sess.scalar(select(Component).where(Component.code == ref.lower()))
            or sess.scalar(select(Component).where(Component.public_id == ref))
            or sess.scalar(select(Component).where(func.lower(Component.name) == ref.lower())))


def _check_component_status(status: str) -> None:
    if status not in COMPONENT_STATUSES:
        raise StatusError(_("Unknown component status %(status)s (use one of %(allowed)s).",
                            status=status, allowed=", ".join(COMPONENT_STATUSES)))


def _apply_status(sess, component: Component, status: str, at: datetime) -> dict | None:
    """Change one component's status; returns Statuspage's affected_components entry."""
    old = component.status
    if old == status:
        return None
    component.status = status
    component.updated_at = utcnow()
    history.record_change(sess, component, status, at)
    return {"code": component.public_id, "name": component.name, "old_status": old, "new_status": status}


def _resolve_components(statuses) -> dict[Component, str]:
    """Accept {Component|code|public id: status} and check every entry."""
    resolved: dict[Component, str] = {}
    for ref, status in (statuses or {}).items():
        component = ref if isinstance(ref, Component) else find_component(str(ref))
        if component is None:
            raise StatusError(_("There is no component %(ref)s.", ref=ref))
        _check_component_status(status)
        resolved[component] = status
    return resolved


# --- incidents ------------------------------------------------------------------

def _check_incident_status(incident: Incident | None, status: str, maintenance: bool) -> None:
    allowed = MAINTENANCE_STATUSES if maintenance else INCIDENT_STATUSES
    if status not in allowed:
        raise StatusError(_("Unknown status %(status)s (use one of %(allowed)s).",
                            status=status, allowed=", ".join(allowed)))


def default_impact(statuses: dict[Component, str]) -> str:
    worst = max((_SEVERITY[s] for s in statuses.values()), default=0)
    return "major" if worst >= _SEVERITY[MAJOR_OUTAGE] else "minor" if worst >= _SEVERITY[DEGRADED] else "none"


def create_incident(name: str, impact: str | None = None, components=None, body: str = "",
                    status: str = "investigating", notify: bool = True, by=None,
                    at: datetime | None = None, monitoring_key: str | None = None) -> Incident:
    """Open an incident with its first update and set the affected components."""
    name = (name or "").strip()
    if not name:
        raise StatusError(_("An incident needs a name."))
    _check_incident_status(None, status, maintenance=False)
    if status in CLOSED_STATUSES:
        raise StatusError(_("A new incident cannot start resolved."))
    statuses = _resolve_components(components)
    impact = impact or default_impact(statuses)
    if impact not in IMPACTS:
        raise StatusError(_("Unknown impact %(impact)s (use one of %(allowed)s).",
                            impact=impact, allowed=", ".join(IMPACTS)))
    sess = _session()
    at = at or utcnow()
    incident = Incident(name=name, impact=impact, status=status, is_maintenance=False, created_at=at,
                        updated_at=at, started_at=at, created_by=_actor(by), monitoring_key=monitoring_key,
                        component_statuses={})
    sess.add(incident)
    update = _add_update(sess, incident, status, body or _default_body(status), statuses, notify, by, at)
    signals.incident_event.send(incident, session=sess, incident=incident, update=update,
                                event="created", notify=notify)
    sess.commit()
    return incident


def post_update(incident: Incident, status: str, body: str = "", components=None, notify: bool = True,
                by=None, at: datetime | None = None) -> IncidentUpdate:
    """Add an update to the timeline; resolving restores the components."""
    if incident.is_maintenance:
        return post_maintenance_update(incident, status, body, notify, by, at)
    _check_incident_status(incident, status, maintenance=False)
    if incident.is_closed:
        raise StatusError(_("This incident is resolved; it takes a postmortem, not updates."))
    sess = _session()
    at = at or utcnow()
    statuses = _resolve_components(components)
    if status == RESOLVED:
        statuses = {**_restored_statuses(sess, incident), **statuses}
    update = _add_update(sess, incident, status, body or _default_body(status), statuses, notify, by, at)
    signals.incident_event.send(incident, session=sess, incident=incident, update=update,
                                event="resolved" if status == RESOLVED else "updated", notify=notify)
    sess.commit()
    return update


def resolve(incident: Incident, body: str = "", notify: bool = True, by=None,
            at: datetime | None = None) -> IncidentUpdate:
    if incident.is_maintenance:
        return post_update(incident, COMPLETED, body, notify=notify, by=by, at=at)
    return post_update(incident, RESOLVED, body, notify=notify, by=by, at=at)


def edit_incident(incident: Incident, name: str | None = None, impact: str | None = None) -> Incident:
    """Correct the name or impact (no timeline entry, no notification)."""
    if name is not None:
        if not name.strip():
            raise StatusError(_("An incident needs a name."))
        incident.name = name.strip()
    if impact is not None:
        allowed = (MAINTENANCE_IMPACT,) if incident.is_maintenance else IMPACTS
        if impact not in allowed:
            raise StatusError(_("Unknown impact %(impact)s (use one of %(allowed)s).",
                                impact=impact, allowed=", ".join(allowed)))
        incident.impact = impact
    incident.updated_at = utcnow()
    _session().commit()
    return incident


def add_postmortem(incident: Incident, body: str, by=None, notify: bool = False) -> Incident:
    """Publish (or replace) the postmortem of a resolved incident."""
    if incident.is_maintenance or incident.status not in (RESOLVED, POSTMORTEM):
        raise StatusError(_("Only a resolved incident can have a postmortem."))
    if not (body or "").strip():
        raise StatusError(_("The postmortem is empty."))
    sess = _session()
    now = utcnow()
    incident.postmortem_body = body
    incident.postmortem_html, _text = _render(body)
    incident.postmortem_published_at = incident.postmortem_published_at or now
    incident.status = POSTMORTEM
    incident.updated_at = now
    signals.incident_event.send(incident, session=sess, incident=incident, update=None,
                                event="postmortem", notify=notify)
    sess.commit()
    return incident


def _render(body: str) -> tuple[str, str]:
    try:
        return render(body)
    except MarkdownRefused as exc:  # too long or too deeply nested: the writer's to fix
        raise StatusError(str(exc)) from exc


def _default_body(status: str) -> str:
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


def _add_update(sess, incident: Incident, status: str, body: str, statuses: dict[Component, str],
                notify: bool, by, at: datetime) -> IncidentUpdate:
    affected = []
    for component, component_status in statuses.items():
        if component not in incident.components:
            incident.components.append(component)
        incident.component_statuses = {**incident.component_statuses, str(component.id): component_status}
        entry = _apply_status(sess, component, component_status, at)
        if entry:
            affected.append(entry)
    html, _text = _render(body)
    update = IncidentUpdate(incident=incident, status=status, body=body, body_html=html,
                            affected_components=affected, deliver_notifications=notify,
                            created_by=_actor(by), created_at=utcnow(), updated_at=utcnow(), display_at=at)
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


def sort_timeline(incident: Incident) -> None:
    """Keep the loaded timeline newest first (the relationship's order), also
    for updates added in this session, which SQLAlchemy appends at the end."""
    incident.updates.sort(key=lambda u: (u.display_at, u.id or 0), reverse=True)


def _restored_statuses(sess, incident: Incident) -> dict[Component, str]:
    """What the incident's components go back to: operational, or what other open incidents say."""
    others = sess.scalars(select(Incident).where(Incident.id != incident.id,
                                                  Incident.status.not_in(CLOSED_STATUSES + (SCHEDULED,)))).all()
    restored = {}
    for component in incident.components:
        claimed = [o.component_statuses.get(str(component.id)) for o in others]
        claimed = [s for s in claimed if s]
        restored[component] = max(claimed, key=_SEVERITY.__getitem__) if claimed else OPERATIONAL
    return restored


def last_changed() -> tuple[datetime | None, str]:
    """``(time of the last change, token)``: the status data's version for ETags and caches.

    One round trip. The token also counts rows, so a change in the same
    microsecond (frozen clocks in tests) still changes it.
    """
    row = _session().execute(select(
        select(func.max(Incident.updated_at)).scalar_subquery(),
        select(func.max(Component.updated_at)).scalar_subquery(),
        select(func.max(ComponentGroup.updated_at)).scalar_subquery(),
        select(func.count(IncidentUpdate.id)).scalar_subquery(),
        select(func.count(Component.id)).scalar_subquery(),
        select(func.count(ComponentGroup.id)).scalar_subquery(),
    )).one()
    stamps = [t for t in row[:3] if t is not None]
    at = max(stamps) if stamps else None
    if at is not None and at.tzinfo is None:  # defensive: max() over a naive backend value
        at = at.replace(tzinfo=timezone.utc)
    token = "-".join(str(v) for v in row)
    return at, token


# Scheduled maintenance lives in its own module; its functions belong to this API.
from portal.status.maintenance import (  # noqa: E402
    next_transition, post_maintenance_update, schedule_maintenance, tick,
)

__all__ = [
    "StatusError", "add_postmortem", "create_component", "create_group", "create_incident", "edit_incident",
    "find_component", "get_or_create_group", "last_changed", "make_code", "next_transition", "post_update",
    "resolve", "schedule_maintenance", "set_component_status", "tick", "update_component",
]
