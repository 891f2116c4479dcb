"""Reading the status: what the pages, banners, APIs and feeds show.

Nothing here writes, except :func:`ensure_fresh`, which lets due maintenance
windows start or complete (through ``services.tick``) before a page shows them.
:func:`current_state` caches the small "what is going on now" snapshot per
process, keyed on the ``status`` content version (portal.cache.versions), so
banners cost no query per request.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, g, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from portal import db
from portal.cache import versions
from portal.db import utcnow
from portal.status import services
from portal.status.models import (
    CLOSED_STATUSES, DEGRADED, IN_PROGRESS, MAJOR_OUTAGE, PARTIAL_OUTAGE, SCHEDULED, UNDER_MAINTENANCE,
    VERIFYING, Component, ComponentGroup, Incident,
)

log = logging.getLogger(__name__)

_RANK = {"none": 0, "maintenance": 0.5, "minor": 1, "major": 2, "critical": 3}
_COMPONENT_INDICATOR = {DEGRADED: "minor", PARTIAL_OUTAGE: "minor", MAJOR_OUTAGE: "major",
                        UNDER_MAINTENANCE: "maintenance"}


@dataclass
class BannerItem:
    """A plain copy of an active incident: safe to share between requests."""

    public_id: str
    name: str
    impact: str
    status: str
    is_maintenance: bool
    updated_at: datetime
    latest_body: str
    search_text: str
    #: Names of the affected components and of their groups (suggest ranks these highest).
    component_text: str = ""
    #: The name in the incident's other languages (portal.status.localized).
    name_translations: dict = field(default_factory=dict)


@dataclass
class StatusState:
    token: str
    changed_at: datetime | None
    indicator: str
    active: list[BannerItem] = field(default_factory=list)
    next_transition: datetime | None = None


_cache_lock = threading.Lock()
_cache: "OrderedDict[tuple, StatusState]" = OrderedDict()


_memo_lock = threading.Lock()
_memo: "OrderedDict[tuple, object]" = OrderedDict()


def memoized(key: tuple, compute):
    """A small per-process cache for derived views of the status (e.g. uptime
    bars); callers put ``current_state().token`` in the key, so any change
    anywhere invalidates it."""
    key = (versions.app_serial(current_app),) + key
    with _memo_lock:
        if key in _memo:
            return _memo[key]
    value = compute()
    with _memo_lock:
        _memo[key] = value
        while len(_memo) > 32:
            _memo.popitem(last=False)
    return value


def _load_incidents(where, order, limit: int | None = None) -> list[Incident]:
    query = (select(Incident).where(*where).order_by(*order)
             .options(selectinload(Incident.updates), selectinload(Incident.components).selectinload(Component.group)))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def active_incidents() -> list[Incident]:
    """Open incidents (worst impact first) and maintenance in progress."""
    rows = _load_incidents(
        [((Incident.is_maintenance.is_(False)) & Incident.status.not_in(CLOSED_STATUSES))
         | ((Incident.is_maintenance.is_(True)) & Incident.status.in_((IN_PROGRESS, VERIFYING)))],
        [Incident.updated_at.desc()])
    return sorted(rows, key=lambda i: (i.is_maintenance, -_RANK.get(i.impact, 0)))


def upcoming_maintenance() -> list[Incident]:
    return _load_incidents([Incident.is_maintenance.is_(True), Incident.status == SCHEDULED],
                           [Incident.scheduled_for])


def recent_incidents(limit: int = 50, maintenance: bool | None = None) -> list[Incident]:
    where = [] if maintenance is None else [Incident.is_maintenance.is_(maintenance)]
    return _load_incidents(where, [Incident.created_at.desc(), Incident.id.desc()], limit)


def incident_by_public_id(public_id: str) -> Incident | None:
    return db.session.scalar(select(Incident).where(Incident.public_id == public_id))


def component_tree() -> tuple[list[ComponentGroup], list[Component]]:
    """Groups (by position) with their components, and components without a group."""
    groups = list(db.session.scalars(select(ComponentGroup).order_by(ComponentGroup.position, ComponentGroup.name)
                                     .options(selectinload(ComponentGroup.components))))
    loose = list(db.session.scalars(select(Component).where(Component.group_id.is_(None))
                                    .order_by(Component.position, Component.name)))
    return groups, loose


def all_components() -> list[Component]:
    """Every component in page order: by group, then position."""
    rows = db.session.scalars(select(Component).options(selectinload(Component.group))).all()
    return sorted(rows, key=lambda c: (c.group is None, c.group.position if c.group else 0,
                                       c.group.name if c.group else "", c.position, c.name))


def overall_indicator(components, incidents) -> str:
    """none | minor | major | critical | maintenance: the worst of open incidents and components."""
    worst = "none"
    candidates = [i.impact for i in incidents] + [_COMPONENT_INDICATOR.get(c.status, "none") for c in components]
    for value in candidates:
        if _RANK.get(value, 0) > _RANK[worst]:
            worst = value
    return worst


def ensure_fresh(now: datetime | None = None) -> StatusState:
    """The current state, after ``services.tick`` if a maintenance window is due."""
    state = current_state()
    now = now or utcnow()
    if state.next_transition is not None and state.next_transition <= now:
        try:
            services.tick(now)
        except OperationalError:  # another process holds the lock and is doing it
            db.session.rollback()
            log.info("maintenance tick skipped: the database is busy", exc_info=True)
        forget_request_state()
        state = current_state()
    return state


def forget_request_state(*_args) -> None:
    """Drop this request's memo of the state (after any commit)."""
    if has_app_context():
        g.pop("_status_state", None)


def current_state() -> StatusState:
    """The snapshot for banners and the page's headline.

    Memoized for the request (``g``) and cached for the process keyed on
    the ``status`` content version.
    """
    if has_app_context() and "_status_state" in g:
        return g._status_state
    state = _current_state()
    if has_app_context():
        g._status_state = state
    return state


def _version() -> tuple[datetime | None, str]:
    """The status data's version: its counter in the database (portal.cache.versions),
    read from a memo shared by the process; the older aggregate query if that cannot be read."""
    from portal.status import STATUS_SCOPE

    snapshot = versions.snapshot()
    if snapshot is None:
        return services.last_changed()
    return snapshot.changed_at((STATUS_SCOPE,)), f"v{snapshot.version(STATUS_SCOPE)}"


def _current_state() -> StatusState:
    changed_at, token = _version()
    key = (current_app.import_name, versions.app_serial(current_app), token)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    active = active_incidents()
    state = StatusState(
        token=token, changed_at=changed_at,
        indicator=overall_indicator(all_components(), active),
        active=[_banner_item(i) for i in active],
        next_transition=services.next_transition(),
    )
    with _cache_lock:
        _cache[key] = state
        while len(_cache) > 8:
            _cache.popitem(last=False)
    return state


def _banner_item(incident: Incident) -> BannerItem:
    latest = incident.latest_update
    # suggest matches the incident in any of its languages
    words = ([incident.name] + list((incident.name_translations or {}).values())
             + [u.body for u in incident.updates]
             + [t.get("body", "") for u in incident.updates for t in (u.body_translations or {}).values()]
             + [c.name for c in incident.components])
    return BannerItem(public_id=incident.public_id, name=incident.name, impact=incident.impact,
                      name_translations=dict(incident.name_translations or {}),
                      status=incident.status, is_maintenance=incident.is_maintenance,
                      updated_at=incident.updated_at, latest_body=latest.body if latest else "",
                      search_text=" ".join(words).lower(),
                      component_text=" ".join([c.name for c in incident.components]
                                              + [c.group.name for c in incident.components if c.group]).lower())
