"""Models of the tickets domain: tickets, their fields and attachments, the
per-year reference sequence, and the anonymous deflection analytics.

Analytics tables hold no personal data: an attempt is a random id made by the
browser, no IP address or cookie is stored, and the only free text kept (the
query of an attempt that found nothing) is scrubbed by :mod:`portal.tickets.pii`.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow

STATUS_OPEN = "open"
STATUS_WITHDRAWN = "withdrawn"
TICKET_STATUSES = (STATUS_OPEN, STATUS_WITHDRAWN)

PRIORITY_URGENT = "urgent"
PRIORITY_NORMAL = "normal"


class TicketSequence(Base):
    """The last reference number handed out per year (``T-2026-000123``)."""

    __tablename__ = "tickets_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    __tablename__ = "tickets_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    #: Unguessable id of the confirmation page (and its "withdraw" button).
    public_token: Mapped[str] = mapped_column(String(64), unique=True)
    form_slug: Mapped[str] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(8))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(300))
    priority: Mapped[str] = mapped_column(String(16), default=PRIORITY_NORMAL)
    #: The answer to "What is blocked?" (an urgency option value), if asked.
    urgency: Mapped[str | None] = mapped_column(String(40))
    callback_phone: Mapped[str | None] = mapped_column(String(60))
    callback_language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=STATUS_OPEN, index=True)
    #: The customer chose "send anyway" for personal data the guard found.
    pii_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The browser's anonymous attempt id, to tie "withdrawn" to the attempt.
    attempt_id: Mapped[str | None] = mapped_column(String(64))
    expected_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    fields: Mapped[list["TicketField"]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketField.position")
    attachments: Mapped[list["TicketAttachment"]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketAttachment.id")

    @property
    def is_urgent(self) -> bool:
        return self.priority == PRIORITY_URGENT

    def __repr__(self) -> str:
        return f"<Ticket {self.reference}>"


class TicketField(Base):
    """One answer on the form, with the label as the customer saw it."""

    __tablename__ = "tickets_fields"
    __table_args__ = (UniqueConstraint("ticket_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets_tickets.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(300))
    value: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    ticket: Mapped[Ticket] = relationship(back_populates="fields")


class TicketAttachment(Base):
    """A checked, metadata-free file stored under ``UPLOAD_DIR/tickets/<reference>/``."""

    __tablename__ = "tickets_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets_tickets.id", ondelete="CASCADE"), index=True)
    field_name: Mapped[str] = mapped_column(String(40))
    #: The customer's file name (cleaned), shown to support.
    original_name: Mapped[str] = mapped_column(String(255))
    #: The random name on disk, relative to UPLOAD_DIR.
    stored_path: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")


class DeflectionEvent(Base):
    """One step of an anonymous contact attempt (see :mod:`portal.tickets.analytics`)."""

    __tablename__ = "tickets_deflection_events"
    __table_args__ = (Index("ix_tickets_deflection_events_attempt", "attempt_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(32), index=True)
    form_slug: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str | None] = mapped_column(String(8))
    #: The article concerned (opened, solved).
    article_slug: Mapped[str | None] = mapped_column(String(200))
    #: Only for "unanswered": the scrubbed query for which nothing was opened.
    query: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class HelpCenterVisitDaily(Base):
    """Help-center page views per day (articles and search): no cookies, no IPs."""

    __tablename__ = "tickets_helpcenter_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
