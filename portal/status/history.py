"""The component status history: one row per status a component was in.

Live changes close the open period and open a new one (:func:`record_change`);
history read from files lays a closed period over whatever was recorded for
that time (:func:`overlay_period`), trimming or splitting the rows it covers,
so periods of one component never overlap and uptime stays a simple sum.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.status.models import Component, ComponentStatusPeriod


def open_period(sess: Session, component: Component) -> ComponentStatusPeriod | None:
    return sess.scalars(
        select(ComponentStatusPeriod)
        .where(ComponentStatusPeriod.component_id == component.id, ComponentStatusPeriod.ended_at.is_(None))
        .order_by(ComponentStatusPeriod.started_at.desc())
    ).first()


def record_change(sess: Session, component: Component, status: str, at: datetime) -> None:
    """The component is in ``status`` from ``at`` on."""
    current = open_period(sess, component)
    if current is not None:
        if current.status == status:
            return
        at = max(at, current.started_at)
        if current.started_at == at:
            sess.delete(current)
        else:
            current.ended_at = at
    sess.add(ComponentStatusPeriod(component_id=component.id, status=status, started_at=at))
    sess.flush()


def overlay_period(sess: Session, component: Component, status: str, start: datetime, end: datetime) -> None:
    """Record that the component was in ``status`` during [start, end) in the past."""
    if end <= start:
        return
    overlapping = sess.scalars(
        select(ComponentStatusPeriod).where(
            ComponentStatusPeriod.component_id == component.id,
            ComponentStatusPeriod.started_at < end,
            or_(ComponentStatusPeriod.ended_at.is_(None), ComponentStatusPeriod.ended_at > start),
        )
    ).all()
    for row in overlapping:
        starts_before = row.started_at < start
        ends_after = row.ended_at is None or row.ended_at > end
        if starts_before and ends_after:  # split around the new period
            sess.add(ComponentStatusPeriod(component_id=component.id, status=row.status,
                                           started_at=end, ended_at=row.ended_at))
            row.ended_at = start
        elif starts_before:
            row.ended_at = start
        elif ends_after:
            row.started_at = end
        else:
            sess.delete(row)
    sess.add(ComponentStatusPeriod(component_id=component.id, status=status, started_at=start, ended_at=end))
    sess.flush()
