"""Models of the support loop: what happened to a ticket after it left the
portal (helpdesk events), the customer's rating of each answer, and ideas
from the suggestion form until they ship.

Personal data stays minimal: every row names a ticket by its *reference*
(no foreign key, so the tickets domain stays unaware of us and a ticket's
erasure can remove our rows by reference); no e-mail address is copied here.
Messages go to the ticket's own address, so an address lives exactly as long
as its ticket does.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow

EVENT_ANSWERED = "answered"
EVENT_SOLVED = "solved"
EVENT_REOPENED = "reopened"
EVENT_KINDS = (EVENT_ANSWERED, EVENT_SOLVED, EVENT_REOPENED)

STATE_WAITING = "waiting"
STATE_ANSWERED = "answered"
STATE_SOLVED = "solved"

SCORE_GREAT = "great"
SCORE_OKAY = "okay"
SCORE_POOR = "poor"
SCORES = (SCORE_GREAT, SCORE_OKAY, SCORE_POOR)

IDEA_NEW = "new"
IDEA_CONSIDERING = "under_consideration"
IDEA_PLANNED = "planned"
IDEA_SHIPPED = "shipped"
IDEA_DECLINED = "declined"
IDEA_STATUSES = (IDEA_NEW, IDEA_CONSIDERING, IDEA_PLANNED, IDEA_SHIPPED, IDEA_DECLINED)


class TicketEvent(Base):
    """One lifecycle event reported by the helpdesk, the answer mailbox or staff."""

    __tablename__ = "support_ticket_events"
    __table_args__ = (UniqueConstraint("reference", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The support person who answered, when the source names one.
    agent: Mapped[str | None] = mapped_column(String(120))
    #: "api", "mail" or "staff".
    source: Mapped[str] = mapped_column(String(16))
    #: The helpdesk's own event id or the e-mail's Message-ID, when given.
    external_id: Mapped[str | None] = mapped_column(String(255))
    #: What makes a retry the same event: ``id:<external id>`` or ``<kind>@<timestamp>``.
    dedupe_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketLifecycle(Base):
    """A ticket's state as its events say (recomputed from them on every event)."""

    __tablename__ = "support_ticket_lifecycles"

    reference: Mapped[str] = mapped_column(String(20), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default=STATE_WAITING, index=True)
    first_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_agent: Mapped[str | None] = mapped_column(String(120))
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Bumped by every "reopened": each round of answers is rated once.
    round: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rating(Base):
    """The customer's rating of one round of answers, asked for exactly once.

    The link in the e-mail carries ``link_key``: it acts on this row only, and
    dies with it (the ticket's erasure removes the row).
    """

    __tablename__ = "support_ratings"
    __table_args__ = (UniqueConstraint("reference", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    link_key: Mapped[str] = mapped_column(String(64), unique=True)
    form_slug: Mapped[str] = mapped_column(String(40))
    agent: Mapped[str | None] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    score: Mapped[str | None] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Idea(Base):
    """A suggestion, tracked until it ships or is declined."""

    __tablename__ = "support_ideas"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(24), default=IDEA_NEW, index=True)
    #: The idea this one was merged into (its requesters moved there).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("support_ideas.id", ondelete="SET NULL"))
    #: Release notes or the article that explains the shipped idea.
    release_url: Mapped[str | None] = mapped_column(String(500))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    requesters: Mapped[list["IdeaRequester"]] = relationship(
        back_populates="idea", cascade="all, delete-orphan", order_by="IdeaRequester.id")


class IdeaRequester(Base):
    """A ticket that asked for an idea; told once when the idea ships."""

    __tablename__ = "support_idea_requesters"
    __table_args__ = (UniqueConstraint("idea_id", "reference"),
                      Index("ix_support_idea_requesters_reference", "reference"))

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("support_ideas.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(20))
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    idea: Mapped[Idea] = relationship(back_populates="requesters")


class MailThread(Base):
    """Message-IDs the portal sent about a ticket: a reply's In-Reply-To or
    References names one, which tells the answer mailbox the ticket."""

    __tablename__ = "support_mail_threads"

    message_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), index=True)
