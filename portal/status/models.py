"""Models of the status domain: components in groups, incidents (and scheduled
maintenance, which is an incident with impact ``maintenance``), their updates,
and the history of component statuses that uptime is computed from.

Rows have integer primary keys; what the public sees (URLs, the Statuspage
API) is the short random ``public_id`` (like Statuspage's ``"p31zjtct2jer"``),
so ids cannot be enumerated and survive a database move.
"""
from __future__ import annotations

import secrets
import string
from datetime import datetime

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow

# Component statuses (Statuspage's values), in the order forms list them.
OPERATIONAL = "operational"
DEGRADED = "degraded_performance"
PARTIAL_OUTAGE = "partial_outage"
MAJOR_OUTAGE = "major_outage"
UNDER_MAINTENANCE = "under_maintenance"
COMPONENT_STATUSES = (OPERATIONAL, DEGRADED, PARTIAL_OUTAGE, MAJOR_OUTAGE, UNDER_MAINTENANCE)

#: Component statuses from best to worst: the one rule for "which status wins"
#: (two open incidents on one component, a group's status, a day's worst).
#: Planned maintenance is better than any unplanned trouble.
SEVERITY = {OPERATIONAL: 0, UNDER_MAINTENANCE: 1, DEGRADED: 2, PARTIAL_OUTAGE: 3, MAJOR_OUTAGE: 4}


def worst_status(statuses, default: str = OPERATIONAL) -> str:
    """The worst of some component statuses (``default`` for none)."""
    return max(statuses, key=SEVERITY.__getitem__, default=default)

# Incident impacts, least first.
IMPACTS = ("none", "minor", "major", "critical")
MAINTENANCE_IMPACT = "maintenance"

# Incident statuses; the first four are what an operator posts.
INVESTIGATING, IDENTIFIED, MONITORING, RESOLVED, POSTMORTEM = (
    "investigating", "identified", "monitoring", "resolved", "postmortem")
INCIDENT_STATUSES = (INVESTIGATING, IDENTIFIED, MONITORING, RESOLVED)
INCIDENT_CLOSED = (RESOLVED, POSTMORTEM)

# Scheduled maintenance statuses.
SCHEDULED, IN_PROGRESS, VERIFYING, COMPLETED = "scheduled", "in_progress", "verifying", "completed"
MAINTENANCE_STATUSES = (SCHEDULED, IN_PROGRESS, VERIFYING, COMPLETED)

#: Statuses after which an incident or maintenance no longer shows as current.
CLOSED_STATUSES = (RESOLVED, POSTMORTEM, COMPLETED)

_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_public_id() -> str:
    """12 random characters from [a-z0-9]: about 62 bits, Statuspage's shape."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))


incident_components = Table(
    "status_incident_components",
    Base.metadata,
    Column("incident_id", ForeignKey("status_incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("component_id", ForeignKey("status_components.id", ondelete="CASCADE"), primary_key=True),
)


class ComponentGroup(Base):
    __tablename__ = "status_component_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=100)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    components: Mapped[list["Component"]] = relationship(
        back_populates="group", order_by="(Component.position, Component.name)")

    def __repr__(self) -> str:
        return f"<ComponentGroup {self.name}>"


class Component(Base):
    __tablename__ = "status_components"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    #: Short stable name for the CLI, monitoring and files (``api``, ``order-import``).
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), default=OPERATIONAL)
    position: Mapped[int] = mapped_column(Integer, default=100)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_component_groups.id", ondelete="SET NULL"), index=True)
    #: Shown on the status page with its uptime bars (Statuspage's ``showcase``).
    showcase: Mapped[bool] = mapped_column(Boolean, default=True)
    only_show_if_degraded: Mapped[bool] = mapped_column(Boolean, default=False)
    #: ``{lang: text}`` in the other languages (``name``/``description`` are the default one's).
    name_translations: Mapped[dict] = mapped_column(JSON, default=dict)
    description_translations: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[ComponentGroup | None] = relationship(back_populates="components")

    def __repr__(self) -> str:
        return f"<Component {self.code} {self.status}>"


class ComponentStatusPeriod(Base):
    """One row per status a component was in: [started_at, ended_at).

    The open period (``ended_at`` is NULL) is the current status. Uptime is
    computed from these rows, weighted by time.
    """

    __tablename__ = "status_component_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    component_id: Mapped[int] = mapped_column(
        ForeignKey("status_components.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Incident(Base):
    """An incident, or scheduled maintenance when ``is_maintenance``."""

    __tablename__ = "status_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(32), index=True)
    impact: Mapped[str] = mapped_column(String(32))
    is_maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Maintenance starts / completes by itself at scheduled_for / scheduled_until.
    auto_start: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_complete: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Remind subscribers before a maintenance starts; hours before (None: STATUS_MAINTENANCE_REMINDER_HOURS).
    remind_subscribers: Mapped[bool] = mapped_column(Boolean, default=True)
    remind_hours: Mapped[int | None] = mapped_column(Integer)
    #: While this maintenance is in progress, incidents on its components notify nobody.
    mute_notifications: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Component statuses this incident set, {component_id (str): status}: restored on resolve.
    component_statuses: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    monitoring_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    postmortem_body: Mapped[str | None] = mapped_column(Text)
    postmortem_html: Mapped[str | None] = mapped_column(Text)
    postmortem_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: ``monitoring:<check>`` for incidents opened by the monitoring webhook.
    monitoring_key: Mapped[str | None] = mapped_column(String(200), index=True)
    #: Set for incidents read from files (status as code).
    source_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    source_hash: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(200))
    #: The language ``name`` and the updates' ``body`` are written in (the fallback);
    #: ``name_translations`` ``{lang: name}`` holds the others (portal.status.localized).
    language: Mapped[str] = mapped_column(String(8), default="en")
    name_translations: Mapped[dict] = mapped_column(JSON, default=dict)

    components: Mapped[list[Component]] = relationship(
        secondary=incident_components, order_by="Component.position")
    updates: Mapped[list["IncidentUpdate"]] = relationship(
        back_populates="incident", cascade="all, delete-orphan",
        order_by="(IncidentUpdate.display_at.desc(), IncidentUpdate.id.desc())")

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def is_active(self) -> bool:
        """Shows in banners: an open incident or maintenance in progress."""
        if self.is_maintenance:
            return self.status in (IN_PROGRESS, VERIFYING)
        return not self.is_closed

    @property
    def latest_update(self) -> "IncidentUpdate | None":
        return self.updates[0] if self.updates else None

    def __repr__(self) -> str:
        return f"<Incident {self.public_id} {self.status}>"


class IncidentUpdate(Base):
    """One entry of an incident's timeline: a status and a markdown message."""

    __tablename__ = "status_incident_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    incident_id: Mapped[int] = mapped_column(ForeignKey("status_incidents.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text, default="")
    #: Sanitized HTML rendered from ``body``.
    body_html: Mapped[str] = mapped_column(Text, default="")
    #: [{"code", "name", "old_status", "new_status"}] (Statuspage's affected_components).
    affected_components: Mapped[list] = mapped_column(JSON, default=list)
    deliver_notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    #: ``{lang: {"body": markdown, "html": sanitized}}`` in the incident's other languages.
    body_translations: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the update happened (differs from created_at for imported history).
    display_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="updates")


class Reminder(Base):
    """One reminder sent (portal.status.reminders): its unique ``key`` makes
    each reminder happen once, however many workers run the periodic job."""

    __tablename__ = "status_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("status_incidents.id", ondelete="CASCADE"))
    component_id: Mapped[int | None] = mapped_column(ForeignKey("status_components.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IncidentTemplate(Base):
    """A ready-made incident (staff "new incident from template"): title, impact,
    components and first update, in one or more languages like an incident."""

    __tablename__ = "status_incident_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What operators pick it by, e.g. "DHL API down".
    label: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    impact: Mapped[str] = mapped_column(String(32), default="minor")
    status: Mapped[str] = mapped_column(String(32), default="investigating")
    #: {component code: status}
    component_statuses: Mapped[dict] = mapped_column(JSON, default=dict)
    body: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    name_translations: Mapped[dict] = mapped_column(JSON, default=dict)
    #: {lang: markdown}
    body_translations: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
