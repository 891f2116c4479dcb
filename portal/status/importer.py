"""``portal import`` for status files: ``kind: component``, ``kind: incident``
and ``kind: maintenance`` (the format is documented in the README's status
section and shown by the sample in ``incidents/``).

Components::

    kind: component
    group: Orders            # optional; created when missing
    group_position: 2        # optional
    groups: {Orders: 2}      # optional: positions of the groups named below
    components:              # or one component's keys at the top level
      - {name: Order import, code: order-import, position: 1,
         description: "...", since: 2026-01-01}

Incidents (past ones: the last update is ``resolved``)::

    kind: incident
    id: 2026-10-14-shopify-delays   # stable key; default: the file name
    name: Delayed order import from Shopify
    impact: major
    components: {order-import: partial_outage}
    updates:
      - {at: 2026-10-14T09:12+02:00, status: investigating, body: "..."}
      - {at: 2026-10-14T11:40+02:00, status: resolved, body: "..."}

The markdown body below the front matter is the postmortem (optional).
Maintenance takes ``scheduled_for``, ``scheduled_until`` and ``components``
as a list; a window still in the future is scheduled for real (it will start
and complete by itself), a past one is stored as history.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import select

from portal import db
from portal.content import ImportProblem, SourceFile
from portal.db import utcnow
from portal.status import services
from portal.status.display import parse_moment
from portal.status.models import COMPLETED, MAINTENANCE_IMPACT, UNDER_MAINTENANCE, Component, Incident
from portal.status.services import StatusError

COMPONENT_FIELDS = {"name", "code", "description", "position", "showcase", "only_show_if_degraded", "since", "group"}


def _moment(value, what: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else parse_moment(value.isoformat())
    if isinstance(value, date):
        return parse_moment(datetime.combine(value, time()).isoformat())
    try:
        moment = parse_moment(str(value) if value is not None else None)
    except ValueError as exc:
        raise ImportProblem(f"{what}: {exc}") from exc
    if moment is None:
        raise ImportProblem(_("%(what)s is missing.", what=what))
    return moment


def _digest(source: SourceFile) -> str:
    return hashlib.sha256(source.raw.encode("utf-8")).hexdigest()


def import_components(source: SourceFile) -> str:
    meta = source.meta
    entries = meta.get("components")
    if entries is None:
        entries = [{k: v for k, v in meta.items() if k in COMPONENT_FIELDS}]
        if source.body.strip() and not entries[0].get("description"):
            entries[0]["description"] = source.body.strip()
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ImportProblem(_("components must be a list of mappings (name, code, description, ...)."))
    outcomes = []
    for position, entry in enumerate(entries, 1):
        unknown = set(entry) - COMPONENT_FIELDS
        if unknown:
            raise ImportProblem(_("Unknown component keys: %(keys)s", keys=", ".join(sorted(unknown))))
        group_name = entry.get("group") or meta.get("group")
        group_positions = meta.get("groups") if isinstance(meta.get("groups"), dict) else {}
        position_of_group = group_positions.get(group_name, meta.get("group_position"))
        try:
            group = services.get_or_create_group(str(group_name), position_of_group) if group_name else None
            outcomes.append(_upsert_component(entry, group, position))
        except StatusError as exc:
            raise ImportProblem(str(exc)) from exc
    if "created" in outcomes:
        return "created"
    return "updated" if "updated" in outcomes else "unchanged"


def _upsert_component(entry: dict, group, default_position: int) -> str:
    name = str(entry.get("name") or "").strip()
    if not name:
        raise ImportProblem(_("Every component needs a name."))
    code = services.make_code(str(entry.get("code") or name))
    wanted = {
        "name": name,
        "description": entry.get("description"),
        "position": int(entry.get("position", default_position)),
        "showcase": bool(entry.get("showcase", True)),
        "only_show_if_degraded": bool(entry.get("only_show_if_degraded", False)),
        "group": group,
    }
    existing = db.session.scalar(select(Component).where(Component.code == code))
    if existing is None:
        since = _moment(entry["since"], "since") if entry.get("since") else None
        services.create_component(code=code, start_date=since, **wanted)
        return "created"
    changed = {k: v for k, v in wanted.items() if getattr(existing, k) != v}
    if not changed:
        return "unchanged"
    services.update_component(existing, **changed)
    return "updated"


def _components(raw, maintenance: bool) -> dict[Component, str]:
    if raw is None:
        return {}
    if isinstance(raw, list):
        raw = {ref: UNDER_MAINTENANCE if maintenance else "major_outage" for ref in raw}
    if not isinstance(raw, dict):
        raise ImportProblem(_("components must map component codes to statuses."))
    found = {}
    for ref, status in raw.items():
        component = services.find_component(str(ref))
        if component is None:
            raise ImportProblem(_("There is no component %(ref)s (import the components first).", ref=ref))
        found[component] = str(status)
    return found


def import_incident(source: SourceFile) -> str:
    meta = source.meta
    maintenance = str(meta.get("kind")).lower() == "maintenance"
    components = _components(meta.get("components"), maintenance)
    raw_updates = meta.get("updates") or []
    if not isinstance(raw_updates, list) or not all(isinstance(u, dict) for u in raw_updates):
        raise ImportProblem(_("updates must be a list of mappings with at, status and body."))
    updates = [services.PastUpdate(at=_moment(u.get("at"), "at"), status=str(u.get("status") or ""),
                          body=str(u.get("body") or "")) for u in raw_updates]
    key = str(meta.get("id") or source.path.stem)
    if maintenance:
        starts = _moment(meta.get("scheduled_for"), "scheduled_for")
        ends = _moment(meta.get("scheduled_until"), "scheduled_until")
        if ends > utcnow():
            return _schedule_future(key, meta, starts, ends, components, source)
        if not updates:
            updates = [services.PastUpdate(at=starts, status="in_progress", body=""),
                       services.PastUpdate(at=ends, status=COMPLETED, body="")]
    else:
        starts = ends = None
    record = services.PastIncident(
        key=key, source_hash=_digest(source), name=str(meta.get("name") or ""),
        impact=MAINTENANCE_IMPACT if maintenance else str(meta.get("impact") or "minor"),
        components=components, updates=updates, postmortem=source.body.strip() or None,
        is_maintenance=maintenance, scheduled_for=starts, scheduled_until=ends)
    try:
        return services.store_past_incident(record)
    except StatusError as exc:
        raise ImportProblem(str(exc)) from exc


def _schedule_future(key, meta, starts, ends, components, source) -> str:
    """A maintenance window ahead: scheduled for real, once per file key."""
    existing = db.session.scalar(select(Incident).where(Incident.source_key == key))
    if existing is not None:
        return "unchanged"
    try:
        services.schedule_maintenance(
            str(meta.get("name") or ""), starts, ends, list(components), body=source.body.strip(),
            notify=bool(meta.get("notify", False)), by="import", source_key=key, source_hash=_digest(source))
    except StatusError as exc:
        raise ImportProblem(str(exc)) from exc
    return "created"
