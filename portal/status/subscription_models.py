"""Status's subscription models: broadcasts, subscribers and their components.

``Broadcast`` is one incident update, maintenance notice or announcement; the
worker expands it (:mod:`portal.status.fanout`) into one outbox ``Message``
per subscriber, so posting an update writes a single row whatever the number
of subscribers. The tables keep their historical ``notify_*`` names, so an
existing database upgrades without a rename.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow

#: Broadcast states: ``pending`` until the worker has written every
#: recipient's Message, then ``expanded``.
BROADCAST_PENDING = "pending"
BROADCAST_EXPANDED = "expanded"

#: Subscriber states: ``pending`` until the opt-in link is followed.
SUBSCRIBER_PENDING = "pending"
SUBSCRIBER_CONFIRMED = "confirmed"
#: An SMS subscriber whose number replied STOP (kept so that nothing is sent
#: to it again until it signs up anew).
SUBSCRIBER_STOPPED = "stopped"

#: Subscriber channels: the outbox's e-mail, webhook and SMS, and two chat
#: webhooks that the outbox delivers as plain webhooks with their own body.
SUBSCRIBER_EMAIL = "email"
SUBSCRIBER_WEBHOOK = "webhook"
SUBSCRIBER_SMS = "sms"
SUBSCRIBER_SLACK = "slack"
SUBSCRIBER_TEAMS = "teams"
CHAT_CHANNELS = (SUBSCRIBER_SLACK, SUBSCRIBER_TEAMS)


def new_link_key() -> str:
    """A subscriber's random link key (192 bits)."""
    return secrets.token_urlsafe(24)


class Broadcast(Base):
    """One thing to tell subscribers: expanded by the worker, not the sender."""

    __tablename__ = "notify_broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "incident" | "maintenance" | "announcement"
    kind: Mapped[str] = mapped_column(String(32))
    #: "created" | "updated" | "resolved" | "scheduled" | "started" | "completed" | "announcement"
    event: Mapped[str] = mapped_column(String(32))
    #: The status incident this is about (no foreign key: the outbox outlives
    #: an incident that is deleted later).
    incident_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: Components concerned; empty means "everybody" (an announcement to all).
    component_ids: Mapped[list] = mapped_column(JSON, default=list)
    #: {"<locale>": {"subject", "text", "html"}} rendered when posted, plus
    #: "webhook": the Statuspage-shaped JSON document.
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default=BROADCAST_PENDING, index=True)
    #: Expansion progress: the highest subscriber id already expanded.
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def subject(self) -> str:
        for locale_content in (self.content or {}).values():
            if isinstance(locale_content, dict) and locale_content.get("subject"):
                return locale_content["subject"]
        return ""


class Subscriber(Base):
    """An e-mail address, webhook (generic, Slack, Teams) or phone number that
    wants status notifications."""

    __tablename__ = "notify_subscribers"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    #: Lower-cased e-mail address, the webhook URL, or the E.164 phone number.
    address: Mapped[str] = mapped_column(String(2000))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    state: Mapped[str] = mapped_column(String(16), default=SUBSCRIBER_PENDING, index=True)
    #: True: every component (also ones added later); else ``subscriptions``.
    all_components: Mapped[bool] = mapped_column(default=True)
    #: Webhook signing secret (shown once to the subscriber).
    secret: Mapped[str | None] = mapped_column(String(200))
    #: Random and never reused: signed links name it, so a link dies with its
    #: subscriber even if the database hands the id to the next sign-up.
    link_key: Mapped[str] = mapped_column(String(64), default=new_link_key)
    #: Only read for links signed before ``link_key`` existed (see ``links``).
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    #: SMS: the SHA-256 of the pending 6-digit code (with the secret key),
    #: when it expires, and the wrong guesses so far.
    verify_hash: Mapped[str | None] = mapped_column(String(128))
    verify_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verify_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The sign-up's remote address is not kept (GDPR: not needed).

    subscriptions: Mapped[list["Subscription"]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def component_ids(self) -> list[int]:
        return sorted(s.component_id for s in self.subscriptions)

    @property
    def is_confirmed(self) -> bool:
        return self.state == SUBSCRIBER_CONFIRMED

    def __repr__(self) -> str:
        return f"<Subscriber {self.id} {self.channel} {self.state}>"


class Subscription(Base):
    """A subscriber's interest in one component."""

    __tablename__ = "notify_subscriptions"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("notify_subscribers.id", ondelete="CASCADE"), primary_key=True)
    component_id: Mapped[int] = mapped_column(
        ForeignKey("status_components.id", ondelete="CASCADE"), primary_key=True, index=True)

    subscriber: Mapped[Subscriber] = relationship(back_populates="subscriptions")
