"""Reminders nobody forgets (a periodic job of the outbox worker).

* Operators (e-mail to every active operator and admin, and a notice on the
  staff status page) when a component has been degraded for 3, 6, 12 and 24
  hours (``STATUS_DEGRADED_REMINDER_HOURS``) without an update, and when an
  incident has been "monitoring" for ``STATUS_MONITORING_REMINDER_HOURS``
  (default 12) without one.
* Subscribers, ``remind_hours`` (default ``STATUS_MAINTENANCE_REMINDER_HOURS``,
  3) before a maintenance starts, unless its ``remind_subscribers`` is off.

Each reminder has a key (what, since when, which threshold); :func:`tick`
first inserts the key into ``status_reminders`` with ON CONFLICT DO NOTHING
and sends only if that insert took, in the same transaction, so two workers
(or a worker killed and restarted) send each reminder exactly once. An update
starts a new quiet stretch, hence new keys.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from portal import db, signals
from portal.i18n import default_locale
from portal.db import utcnow
from portal.status.models import (
    DEGRADED, MAJOR_OUTAGE, MONITORING, PARTIAL_OUTAGE, SCHEDULED, Component, ComponentStatusPeriod, Incident,
    Reminder,
)

TROUBLE = (DEGRADED, PARTIAL_OUTAGE, MAJOR_OUTAGE)


@dataclass
class Notice:
    """Something an operator should look at (also the staff page's notice)."""

    key: str
    kind: str  # degraded | monitoring | maintenance
    hours: int
    incident: Incident | None = None
    component: Component | None = None

    @property
    def text(self) -> str:
        from portal.status.localized import component_name, incident_name

        if self.kind == "degraded":
            return _("%(component)s has been degraded for %(hours)s hours without an update.",
                     component=component_name(self.component), hours=self.hours)
        return _("“%(incident)s” has been monitoring for %(hours)s hours without an update: resolve it?",
                 incident=incident_name(self.incident), hours=self.hours)


def _open_incidents() -> list[Incident]:
    from sqlalchemy.orm import selectinload

    from portal.status.models import CLOSED_STATUSES

    return list(db.session.scalars(select(Incident).options(
        selectinload(Incident.updates), selectinload(Incident.components))
        .where(Incident.status.not_in(CLOSED_STATUSES))))


def operator_notices(now: datetime | None = None) -> list[Notice]:
    """Components quiet in trouble, incidents quiet in monitoring (highest threshold crossed)."""
    now = now or utcnow()
    thresholds = sorted(int(h) for h in current_app.config["STATUS_DEGRADED_REMINDER_HOURS"])
    incidents = _open_incidents()
    notices = []
    last_word: dict[int, datetime] = {}  # component id -> latest update of an open incident on it
    for incident in incidents:
        if incident.is_maintenance or not incident.updates:
            continue
        latest = incident.updates[0].display_at
        for component in incident.components:
            last_word[component.id] = max(last_word.get(component.id, latest), latest)
    periods = db.session.execute(select(ComponentStatusPeriod, Component).join(Component).where(
        ComponentStatusPeriod.ended_at.is_(None), ComponentStatusPeriod.status.in_(TROUBLE))).all()
    for period, component in periods:
        quiet_since = max(period.started_at, last_word.get(component.id, period.started_at))
        hours = (now - quiet_since).total_seconds() / 3600
        crossed = [h for h in thresholds if hours >= h]
        if crossed:
            notices.append(Notice(f"degraded:{component.id}:{int(quiet_since.timestamp())}:{crossed[-1]}",
                                  "degraded", crossed[-1], component=component))
    limit = int(current_app.config["STATUS_MONITORING_REMINDER_HOURS"])
    for incident in incidents:
        if incident.status != MONITORING or not incident.updates:
            continue
        latest = incident.updates[0]
        if now - latest.display_at >= timedelta(hours=limit):
            notices.append(Notice(f"monitoring:{incident.id}:{latest.id}", "monitoring", limit, incident=incident))
    return notices


def maintenance_due(now: datetime | None = None) -> list[tuple[str, Incident]]:
    """Scheduled maintenance whose subscriber reminder is due: ``(key, maintenance)``."""
    now = now or utcnow()
    default = int(current_app.config["STATUS_MAINTENANCE_REMINDER_HOURS"])
    rows = db.session.scalars(select(Incident).where(
        Incident.is_maintenance.is_(True), Incident.status == SCHEDULED, Incident.remind_subscribers.is_(True),
        Incident.scheduled_for > now, Incident.scheduled_for <= now + timedelta(hours=max(default, 168)))).all()
    due = []
    for maintenance in rows:
        hours = maintenance.remind_hours if maintenance.remind_hours is not None else default
        if maintenance.scheduled_for - timedelta(hours=hours) <= now:
            due.append((f"maintenance:{maintenance.id}:{int(maintenance.scheduled_for.timestamp())}", maintenance))
    return due


def _claim(key: str, kind: str, incident_id=None, component_id=None) -> bool:
    """Insert the reminder's key; False if another worker (or an earlier run) has it."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    result = db.session.execute(insert(Reminder).values(
        key=key, kind=kind, incident_id=incident_id, component_id=component_id, created_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["key"]).returning(Reminder.id))
    # RETURNING, not rowcount: psycopg does not report a row count here
    return result.scalar() is not None


def _operators() -> list:
    from portal.auth.models import ROLE_ADMIN, ROLE_OPERATOR, User

    return list(db.session.scalars(select(User).where(User.active.is_(True),
                                                      User.role.in_((ROLE_OPERATOR, ROLE_ADMIN)))))


def _mail_operators(notice: Notice) -> None:
    from portal.outbox.links import external_url
    from portal.outbox.rendering import in_locale
    from portal.outbox.services import enqueue_email

    locale = default_locale()
    with in_locale(locale):
        subject = _("[%(site)s] Reminder: %(text)s", site=current_app.config["SITE_NAME"], text=notice.text)
        link = (external_url("status_staff.incident", public_id=notice.incident.public_id) if notice.incident
                else external_url("status_staff.index"))
        text = notice.text + "\n\n" + _("Post an update or resolve it: %(url)s", url=link) + "\n"
    for user in _operators():
        enqueue_email(db.session, to=user.email, subject=subject, text=text,
                      key=f"status-reminder:{notice.key}:{user.id}", purpose="status_reminder")


def tick(now: datetime | None = None) -> list[str]:
    """Send what is due, each once; returns the keys sent (for tests and the CLI)."""
    now = now or utcnow()
    sent = []
    notices = operator_notices(now)
    due = maintenance_due(now)
    db.session.rollback()  # end the read; each reminder below is its own transaction
    for notice in notices:
        notice = _reload(notice)
        if notice is None:
            continue
        if _claim(notice.key, notice.kind, getattr(notice.incident, "id", None),
                  getattr(notice.component, "id", None)):
            _mail_operators(notice)
            db.session.commit()
            sent.append(notice.key)
        else:
            db.session.rollback()
    for key, maintenance in due:
        maintenance = db.session.get(Incident, maintenance.id)
        if maintenance is None or maintenance.status != SCHEDULED:
            continue
        if _claim(key, "maintenance", maintenance.id):
            signals.maintenance_event.send(maintenance, session=db.session, maintenance=maintenance, update=None,
                                           event="reminder", notify=True)
            db.session.commit()
            sent.append(key)
        else:
            db.session.rollback()
    return sent


def _reload(notice: Notice) -> Notice | None:
    """The notice's rows in the new transaction (the read ended with a rollback)."""
    if notice.incident is not None:
        notice.incident = db.session.get(Incident, notice.incident.id)
        return notice if notice.incident is not None else None
    notice.component = db.session.get(Component, notice.component.id)
    return notice if notice.component is not None else None
