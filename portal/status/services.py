"""The status domain's one write path.

The staff pages, the ``portal incident`` commands, the operator API, the
monitoring webhook and the file importer all call these functions, so status
history, timestamps and notifications cannot be forgotten. Each public function
is one transaction and commits once; before the commit it sends
:data:`portal.signals.incident_event` or :data:`portal.signals.maintenance_event`
with the session, so status's broadcasts (:mod:`portal.status.broadcasts`) add
their row to the same transaction.

Incidents and components are written here; scheduled maintenance in
:mod:`portal.status.maintenance` and past incidents from files in
:mod:`portal.status.archive`, re-exported here so every caller has one
module to import. All three are built from :mod:`portal.status.timeline`.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import signals
from portal.db import utcnow
from portal.status import history, localized
from portal.status.archive import PastIncident, PastUpdate, store_past_incident
from portal.status.maintenance import (
    next_transition, post_maintenance_update, reschedule_maintenance, schedule_maintenance, tick,
)
from portal.status.models import (
    CLOSED_STATUSES, COMPLETED, OPERATIONAL, POSTMORTEM, RESOLVED, Component, ComponentGroup, Incident,
    IncidentUpdate,
)
from portal.status.timeline import (
    StatusError, actor, add_update, apply_status, check_component_status, check_impact, check_incident_status,
    default_body, default_impact, find_component, render_body, resolve_components, restored_statuses, session,
    sort_timeline,
)

_CODE_CHARS = re.compile(r"[^a-z0-9]+")


def make_code(name: str) -> str:
    return _CODE_CHARS.sub("-", name.lower()).strip("-")[:80] or "component"


# --- components -----------------------------------------------------------------

def create_group(name: str, position: int = 100, description: str | None = None) -> ComponentGroup:
    name = (name or "").strip()
    if not name:
        raise StatusError(_("A group needs a name."))
    sess = session()
    if sess.scalar(select(ComponentGroup).where(ComponentGroup.name == name)):
        raise StatusError(_("A group named %(name)s exists already.", name=name))
    group = ComponentGroup(name=name, position=position, description=description)
    sess.add(group)
    sess.commit()
    return group


def get_or_create_group(name: str, position: int | None = None) -> ComponentGroup:
    sess = session()
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
    check_component_status(status)
    code = make_code(code or name)
    sess = session()
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
    allowed = {"name", "description", "position", "group", "showcase", "only_show_if_degraded",
               "name_translations", "description_translations"}
    unknown = set(fields) - allowed
    if unknown:
        raise StatusError(_("Unknown component fields: %(names)s", names=", ".join(sorted(unknown))))
    first = localized.first_language(None)
    for key in ("name_translations", "description_translations"):
        if key in fields:
            fields[key] = localized.clean_texts(fields[key], first, 200 if key == "name_translations" else 2000)
    for key, value in fields.items():
        setattr(component, key, value)
    component.updated_at = utcnow()
    session().commit()
    return component


def set_component_status(component: Component, status: str, at: datetime | None = None) -> Component:
    """Set a status by hand (no incident); recorded in the history."""
    check_component_status(status)
    apply_status(session(), component, status, at or utcnow())
    session().commit()
    return component


# --- incidents ------------------------------------------------------------------

def create_incident(name: str, impact: str | None = None, components=None, body: str = "",
                    status: str = "investigating", notify: bool = True, by=None,
                    at: datetime | None = None, monitoring_key: str | None = None,
                    language: str | None = None, names: dict | None = None,
                    bodies: dict | None = None) -> Incident:
    """Open an incident with its first update and set the affected components.

    ``name``/``body`` are in ``language`` (default: the site's); ``names`` and
    ``bodies`` ``{lang: text}`` add other languages."""
    name = (name or "").strip()
    if not name:
        raise StatusError(_("An incident needs a name."))
    language = localized.first_language(language)
    names = localized.clean_texts(names, language, 300)
    check_incident_status(status, maintenance=False)
    if status in CLOSED_STATUSES:
        raise StatusError(_("A new incident cannot start resolved."))
    statuses = resolve_components(components)
    impact = impact or default_impact(statuses)
    check_impact(impact, maintenance=False)
    sess = session()
    at = at or utcnow()
    incident = Incident(name=name, impact=impact, status=status, is_maintenance=False, created_at=at,
                        updated_at=at, started_at=at, created_by=actor(by), monitoring_key=monitoring_key,
                        component_statuses={}, language=language, name_translations=names)
    sess.add(incident)
    update = add_update(sess, incident, status, body or default_body(status), statuses, notify, by, at)
    localized.set_update_bodies(update, bodies, language)
    signals.incident_event.send(incident, session=sess, incident=incident, update=update,
                                event="created", notify=notify)
    sess.commit()
    return incident


def post_update(incident: Incident, status: str, body: str = "", components=None, notify: bool = True,
                by=None, at: datetime | None = None, bodies: dict | None = None) -> IncidentUpdate:
    """Add an update to the timeline; resolving restores the components.
    ``bodies`` ``{lang: markdown}``: the update in the incident's other languages."""
    if incident.is_maintenance:
        return post_maintenance_update(incident, status, body, notify, by, at, bodies=bodies)
    check_incident_status(status, maintenance=False)
    if incident.is_closed:
        raise StatusError(_("This incident is resolved; it takes a postmortem, not updates."))
    sess = session()
    at = at or utcnow()
    statuses = resolve_components(components)
    if status == RESOLVED:
        statuses = {**restored_statuses(sess, incident), **statuses}
    update = add_update(sess, incident, status, body or default_body(status), statuses, notify, by, at)
    localized.set_update_bodies(update, bodies, incident.language)
    signals.incident_event.send(incident, session=sess, incident=incident, update=update,
                                event="resolved" if status == RESOLVED else "updated", notify=notify)
    sess.commit()
    return update


def resolve(incident: Incident, body: str = "", notify: bool = True, by=None,
            at: datetime | None = None, bodies: dict | None = None) -> IncidentUpdate:
    if incident.is_maintenance:
        return post_update(incident, COMPLETED, body, notify=notify, by=by, at=at, bodies=bodies)
    return post_update(incident, RESOLVED, body, notify=notify, by=by, at=at, bodies=bodies)


def edit_incident(incident: Incident, name: str | None = None, impact: str | None = None,
                  names: dict | None = None) -> Incident:
    """Correct the name or impact, or set the name in other languages
    (no timeline entry, no notification)."""
    if names is not None:
        incident.name_translations = localized.clean_texts(names, incident.language, 300)
    if name is not None:
        if not name.strip():
            raise StatusError(_("An incident needs a name."))
        incident.name = name.strip()
    if impact is not None:
        check_impact(impact, maintenance=incident.is_maintenance)
        incident.impact = impact
    incident.updated_at = utcnow()
    session().commit()
    return incident


def add_postmortem(incident: Incident, body: str, by=None, notify: bool = False) -> Incident:
    """Publish (or replace) the postmortem of a resolved incident."""
    if incident.is_maintenance or incident.status not in (RESOLVED, POSTMORTEM):
        raise StatusError(_("Only a resolved incident can have a postmortem."))
    if not (body or "").strip():
        raise StatusError(_("The postmortem is empty."))
    sess = session()
    now = utcnow()
    incident.postmortem_body = body
    incident.postmortem_html, _text = render_body(body)
    incident.postmortem_published_at = incident.postmortem_published_at or now
    incident.status = POSTMORTEM
    incident.updated_at = now
    signals.incident_event.send(incident, session=sess, incident=incident, update=None,
                                event="postmortem", notify=notify)
    sess.commit()
    return incident


def last_changed() -> tuple[datetime | None, str]:
    """``(time of the last change, token)``: the status data's version for ETags and caches.

    One round trip. The token also counts rows, so a change in the same
    microsecond (frozen clocks in tests) still changes it.
    """
    row = session().execute(select(
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


__all__ = [
    "PastIncident", "PastUpdate", "StatusError", "add_postmortem", "create_component", "create_group", "create_incident", "edit_incident",
    "find_component", "get_or_create_group", "last_changed", "make_code", "next_transition", "post_update",
    "reschedule_maintenance", "resolve", "schedule_maintenance", "set_component_status", "sort_timeline", "store_past_incident", "tick",
    "update_component",
]
