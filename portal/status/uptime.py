"""Uptime per component and day, time-weighted from the status history.

For every day (in the configured ``TIMEZONE``) and component::

    uptime % = 100 × Σ(seconds in status × weight) / Σ(seconds in status, maintenance excluded)

with the weights in :data:`WEIGHTS`: operational and degraded performance
count as up (the service works, only slower), a partial outage as 70 % up (30 %
down), a major outage as down; time under maintenance is left out of both sums,
and time before the component's first recorded status is "no data".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from portal import db
from portal.db import utcnow
from portal.status.clock import configured_timezone
from portal.status.display import status_date, status_percent
from portal.status.models import (
    DEGRADED, MAJOR_OUTAGE, OPERATIONAL, PARTIAL_OUTAGE, UNDER_MAINTENANCE, ComponentStatusPeriod, Incident,
    worst_status,
)

#: Share of a second in each status that counts as up; maintenance is not counted at all.
WEIGHTS = {OPERATIONAL: 1.0, DEGRADED: 1.0, PARTIAL_OUTAGE: 0.7, MAJOR_OUTAGE: 0.0}

DAYS = 90


@dataclass
class DayUptime:
    day: date
    up_seconds: float = 0.0
    counted_seconds: float = 0.0
    maintenance_seconds: float = 0.0
    worst: str | None = None  # the worst status seen that day

    @property
    def percent(self) -> float | None:
        if self.counted_seconds <= 0:
            return None
        return 100.0 * self.up_seconds / self.counted_seconds

    @property
    def level(self) -> str:
        """CSS level of the day's bar: none | maintenance | ok | minor | major | critical."""
        pct = self.percent
        if pct is None:
            return "maintenance" if self.maintenance_seconds > 0 else "none"
        if pct >= 99.995:
            return "minor" if self.worst == DEGRADED else "ok"
        if pct >= 99.0:
            return "minor"
        return "major" if pct >= 95.0 else "critical"


@dataclass
class ComponentUptime:
    days: list[DayUptime]

    @property
    def percent(self) -> float | None:
        counted = sum(d.counted_seconds for d in self.days)
        if counted <= 0:
            return None
        return 100.0 * sum(d.up_seconds for d in self.days) / counted


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC start and end of a local calendar day (23 or 25 hours around DST)."""
    start = datetime.combine(day, time(), tzinfo=tz).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz).astimezone(timezone.utc)
    return start, end


def _add(bucket: DayUptime, status: str, seconds: float) -> None:
    if seconds <= 0:
        return
    if status == UNDER_MAINTENANCE:
        bucket.maintenance_seconds += seconds
    else:
        bucket.counted_seconds += seconds
        bucket.up_seconds += seconds * WEIGHTS.get(status, 1.0)
    bucket.worst = status if bucket.worst is None else worst_status((bucket.worst, status))


def daily_uptime(component_ids, days: int = DAYS, now: datetime | None = None,
                 tz: ZoneInfo | None = None) -> dict[int, ComponentUptime]:
    """``{component_id: ComponentUptime}`` for the last ``days`` days, today last."""
    now = now or utcnow()
    tz = tz or configured_timezone()
    today = now.astimezone(tz).date()
    calendar = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    bounds = [day_bounds(d, tz) for d in calendar]
    window_start = bounds[0][0]
    ids = list(component_ids)
    result = {cid: ComponentUptime(days=[DayUptime(day=d) for d in calendar]) for cid in ids}
    if not ids:
        return result
    periods = db.session.scalars(select(ComponentStatusPeriod).where(
        ComponentStatusPeriod.component_id.in_(ids),
        ComponentStatusPeriod.started_at < now,
        or_(ComponentStatusPeriod.ended_at.is_(None), ComponentStatusPeriod.ended_at > window_start),
    )).all()
    for period in periods:
        start = max(period.started_at, window_start)
        end = min(period.ended_at or now, now)
        buckets = result[period.component_id].days
        for index, (day_start, day_end) in enumerate(bounds):
            if day_end <= start:
                continue
            if day_start >= end:
                break
            overlap = (min(end, day_end) - max(start, day_start)).total_seconds()
            _add(buckets[index], period.status, overlap)
    return result


@dataclass
class DayBar:
    """One day bar: its colour level, its one-line text (title and text
    alternative), the ISO day and what happened (for the day panel)."""

    level: str
    text: str
    day: str
    percent: str | None
    events: list = field(default_factory=list)


def day_events(component_ids, days: int = DAYS, now: datetime | None = None,
               tz: ZoneInfo | None = None) -> dict[tuple[int, str], list[dict]]:
    """``{(component_id, "YYYY-MM-DD"): [{public_id, name, impact, is_maintenance}]}``:
    the incidents and maintenance that touched a component on a local day.

    Plain dicts (not ORM rows) because the result is memoized across requests.
    """
    from portal.status.localized import incident_name  # late: localized imports display

    now = now or utcnow()
    tz = tz or configured_timezone()
    today = now.astimezone(tz).date()
    calendar = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    window_start = day_bounds(calendar[0], tz)[0]
    ids = set(component_ids)
    if not ids:
        return {}
    begin = func.coalesce(Incident.started_at, Incident.scheduled_for, Incident.created_at)
    incidents = db.session.scalars(
        select(Incident).options(selectinload(Incident.components))
        .where(begin < now, or_(Incident.resolved_at.is_(None), Incident.resolved_at > window_start))
        .order_by(begin)).all()
    found: dict[tuple[int, str], list[dict]] = {}
    for incident in incidents:
        start = incident.started_at or incident.scheduled_for or incident.created_at
        end = incident.resolved_at or now
        if incident.is_maintenance and not incident.started_at and incident.status == "scheduled":
            continue  # announced, not begun
        entry = {"public_id": incident.public_id, "name": incident_name(incident),
                 "impact": incident.impact, "is_maintenance": incident.is_maintenance}
        for day in calendar:
            day_start, day_end = day_bounds(day, tz)
            if start < day_end and end > day_start:
                for component in incident.components:
                    if component.id in ids:
                        found.setdefault((component.id, day.isoformat()), []).append(entry)
    return found


def uptime_bars(component_ids, days: int = DAYS) -> dict[int, dict]:
    """Per component: the 90-day percentage and one :class:`DayBar` per day.

    The text is both the bar's tooltip and its text alternative; day names are
    formatted once per page, not once per bar.
    """
    ids = list(component_ids)
    results = daily_uptime(ids, days=days)
    if not results:
        return {}
    events = day_events(ids, days=days)
    day_names = [status_date(d.day) for d in next(iter(results.values())).days]
    no_data, maintenance_only = _("no data"), _("maintenance only")
    up_format = _("%(day)s: %(percent)s up")  # no variables: formatted below, once per bar
    bars = {}
    for component_id, result in results.items():
        row = []
        for name, day in zip(day_names, result.days):
            pct = day.percent
            percent = status_percent(pct) if pct is not None else None
            if percent is not None:
                text = up_format % {"day": name, "percent": percent}
            else:
                text = f"{name}: {maintenance_only if day.level == 'maintenance' else no_data}"
            iso = day.day.isoformat()
            row.append(DayBar(day.level, text, iso, percent, events.get((component_id, iso), [])))
        bars[component_id] = {"percent": result.percent, "bars": row}
    return bars
