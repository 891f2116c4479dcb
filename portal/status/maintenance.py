"""Scheduled maintenance: announce a window, start and complete it (by hand or
by itself through :func:`tick`), switching the components to
``under_maintenance`` and back. Part of the status write path, built from
:mod:`portal.status.timeline` like the incident writes; re-exported by
:mod:`portal.status.services`.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from portal import signals
from portal.db import utcnow
from portal.status.models import (
    COMPLETED, IN_PROGRESS, MAINTENANCE_IMPACT, SCHEDULED, UNDER_MAINTENANCE, VERIFYING, Component, Incident,
    IncidentUpdate,
)
from portal.status.timeline import (
    StatusError, actor, add_update, check_incident_status, default_body, resolve_components, restored_statuses,
    session,
)


def schedule_maintenance(name: str, scheduled_for: datetime, scheduled_until: datetime, components=(),
                         body: str = "", auto_start: bool = True, auto_complete: bool = True,
                         notify: bool = True, by=None, source_key: str | None = None,
                         source_hash: str | None = None, language: str | None = None,
                         names: dict | None = None, bodies: dict | None = None,
                         remind_subscribers: bool = True, remind_hours: int | None = None,
                         mute_notifications: bool = False) -> Incident:
    """Announce a maintenance window; :func:`tick` starts and completes it.

    ``language``, ``names``, ``bodies``: as for ``services.create_incident``.

    ``source_key``/``source_hash`` tie it to the ``incidents/`` file it came
    from, in the same transaction (a re-import then finds it).
    """
    name = (name or "").strip()
    if not name:
        raise StatusError(_("Maintenance needs a name."))
    if scheduled_for is None or scheduled_until is None or scheduled_for.tzinfo is None \
            or scheduled_until.tzinfo is None:
        raise StatusError(_("Give the start and end of the window with a time zone."))
    if scheduled_until <= scheduled_for:
        raise StatusError(_("The maintenance window must end after it starts."))
    from portal.status import localized

    language = localized.first_language(language)
    names = localized.clean_texts(names, language, 300)
    chosen = resolve_components({c: UNDER_MAINTENANCE for c in components})
    sess = session()
    now = utcnow()
    maintenance = Incident(name=name, impact=MAINTENANCE_IMPACT, status=SCHEDULED, is_maintenance=True,
                           scheduled_for=scheduled_for, scheduled_until=scheduled_until,
                           auto_start=auto_start, auto_complete=auto_complete, created_at=now,
                           updated_at=now, created_by=actor(by), source_key=source_key, source_hash=source_hash,
                           component_statuses={str(c.id): UNDER_MAINTENANCE for c in chosen},
                           language=language, name_translations=names,
                           remind_subscribers=remind_subscribers, remind_hours=remind_hours,
                           mute_notifications=mute_notifications)
    maintenance.components = list(chosen)
    sess.add(maintenance)
    update = add_update(sess, maintenance, SCHEDULED, body or default_body(SCHEDULED), {}, notify, by, now)
    localized.set_update_bodies(update, bodies, language)
    signals.maintenance_event.send(maintenance, session=sess, maintenance=maintenance, update=update,
                                   event="scheduled", notify=notify)
    sess.commit()
    return maintenance


def muted_by_maintenance(sess, incident: Incident) -> bool:
    """True when every component of an incident is in a maintenance in progress
    that mutes notifications (the operator said: we know, don't tell everyone)."""
    if incident.is_maintenance or not incident.components:
        return False
    return components_muted(sess, [c.id for c in incident.components])


def components_muted(sess, component_ids) -> bool:
    """True when every one of ``component_ids`` is in a maintenance in progress that mutes notifications."""
    from sqlalchemy import select

    muting = sess.scalars(select(Incident).where(
        Incident.is_maintenance.is_(True), Incident.mute_notifications.is_(True),
        Incident.status.in_((IN_PROGRESS, VERIFYING)))).all()
    covered = {c.id for m in muting for c in m.components}
    return bool(component_ids) and all(cid in covered for cid in component_ids)


def reschedule_maintenance(maintenance: Incident, scheduled_for: datetime, scheduled_until: datetime,
                           body: str = "", notify: bool = True, by=None) -> IncidentUpdate:
    """Move a maintenance window that has not started; its subscribers are told
    (event ``rescheduled``) and the reminder before the new start is due again."""
    from portal.status.display import status_time

    if maintenance.status != SCHEDULED:
        raise StatusError(_("Only maintenance that has not started can be moved."))
    if scheduled_for is None or scheduled_until is None or scheduled_for.tzinfo is None \
            or scheduled_until.tzinfo is None:
        raise StatusError(_("Give the start and end of the window with a time zone."))
    if scheduled_until <= scheduled_for:
        raise StatusError(_("The maintenance window must end after it starts."))
    sess = session()
    now = utcnow()
    maintenance.scheduled_for, maintenance.scheduled_until = scheduled_for, scheduled_until
    body = body or _("The maintenance has been moved to %(start)s – %(end)s.", start=status_time(scheduled_for),
                     end=status_time(scheduled_until))
    update = add_update(sess, maintenance, SCHEDULED, body, {}, notify, by, now)
    signals.maintenance_event.send(maintenance, session=sess, maintenance=maintenance, update=update,
                                   event="rescheduled", notify=notify)
    sess.commit()
    return update


def post_maintenance_update(maintenance: Incident, status: str, body: str, notify: bool, by,
                             at: datetime | None, bodies: dict | None = None) -> IncidentUpdate:
    check_incident_status(status, maintenance=True)
    if maintenance.status == COMPLETED:
        raise StatusError(_("This maintenance is completed."))
    sess = session()
    at = at or utcnow()
    statuses: dict[Component, str] = {}
    event = "updated"
    if status in (IN_PROGRESS, VERIFYING) and maintenance.status == SCHEDULED:
        statuses = {c: UNDER_MAINTENANCE for c in maintenance.components}
        maintenance.started_at = at
        event = "started"
    elif status == COMPLETED:
        statuses = restored_statuses(sess, maintenance)
        event = "completed"
    update = add_update(sess, maintenance, status, body or default_body(status), statuses, notify, by, at)
    if bodies:
        from portal.status import localized

        localized.set_update_bodies(update, bodies, maintenance.language)
    signals.maintenance_event.send(maintenance, session=sess, maintenance=maintenance, update=update,
                                   event=event, notify=notify)
    sess.commit()
    return update


def tick(now: datetime | None = None) -> list[tuple[Incident, str]]:
    """Start and complete maintenance windows that are due; returns what changed.

    Cheap when nothing is due (one indexed query), so the worker (a periodic job),
    page requests and ``portal incident tick`` may all call it, from several
    processes at once: each transition first claims the row (see :func:`_claim`),
    so a window starts and completes once, with one notification each.
    """
    now = now or utcnow()
    sess = session()
    due_ids = sess.scalars(select(Incident.id).where(
        Incident.is_maintenance.is_(True),
        ((Incident.status == SCHEDULED) & Incident.auto_start.is_(True) & (Incident.scheduled_for <= now))
        | (Incident.status.in_((IN_PROGRESS, VERIFYING)) & Incident.auto_complete.is_(True)
           & (Incident.scheduled_until <= now)),
    ).order_by(Incident.scheduled_for)).all()
    sess.rollback()  # end the read, so the claims below start their own transactions
    changed = []
    for incident_id in due_ids:
        maintenance = _claim(sess, incident_id, (SCHEDULED,))
        if maintenance is not None:
            if maintenance.auto_start and maintenance.scheduled_for <= now:
                post_maintenance_update(maintenance, IN_PROGRESS, "", notify=True, by=None,
                                        at=max(maintenance.scheduled_for, maintenance.created_at))
                changed.append((maintenance, "started"))
            else:
                sess.rollback()
        maintenance = _claim(sess, incident_id, (IN_PROGRESS, VERIFYING))
        if maintenance is not None:
            if maintenance.auto_complete and maintenance.scheduled_until <= now:
                post_maintenance_update(maintenance, COMPLETED, "", notify=True, by=None,
                                        at=maintenance.scheduled_until)
                changed.append((maintenance, "completed"))
            else:
                sess.rollback()
    return changed


def _claim(sess, incident_id: int, statuses: tuple[str, ...]) -> Incident | None:
    """Lock the maintenance row if it is still in one of ``statuses``.

    The conditional UPDATE takes the row's write lock; a second process doing
    the same waits for our commit and then matches nothing (PostgreSQL
    re-checks the WHERE clause; SQLite serializes writers), so it skips.
    """
    claimed = sess.execute(
        update(Incident).where(Incident.id == incident_id, Incident.status.in_(statuses))
        .values(updated_at=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        sess.rollback()
        return None
    return sess.get(Incident, incident_id, populate_existing=True)


def next_transition(sess=None) -> datetime | None:
    """When :func:`tick` next has work: lets callers skip it until then."""
    sess = sess or session()
    starts = sess.scalar(select(func.min(Incident.scheduled_for)).where(
        Incident.is_maintenance.is_(True), Incident.status == SCHEDULED, Incident.auto_start.is_(True)))
    ends = sess.scalar(select(func.min(Incident.scheduled_until)).where(
        Incident.is_maintenance.is_(True), Incident.status.in_((IN_PROGRESS, VERIFYING)),
        Incident.auto_complete.is_(True)))
    found = [t for t in (starts, ends) if t is not None]
    return min(found) if found else None
