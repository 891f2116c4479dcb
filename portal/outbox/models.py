"""The outbox's one model: ``Message``, one delivery to one recipient.

``Message`` is the transactional outbox: one row per recipient and channel,
written in the same transaction as whatever caused it (a ticket, an incident
update) and delivered later by the worker. The table keeps its historical
name ``notify_messages`` (existing databases upgrade without a rename).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow

CHANNEL_EMAIL = "email"
CHANNEL_WEBHOOK = "webhook"
#: A text message through the HTTP SMS gateway (portal.outbox.sms).
CHANNEL_SMS = "sms"
CHANNELS = (CHANNEL_EMAIL, CHANNEL_WEBHOOK, CHANNEL_SMS)

#: Outbox states. ``pending``: never tried; ``sending``: claimed by a worker
#: until ``claimed_until`` (a lease; an expired lease is claimable again);
#: ``failed``: the last attempt failed, retried at ``next_attempt_at``;
#: ``sent``; ``dead``: given up (permanent error or too many attempts).
STATE_PENDING = "pending"
STATE_SENDING = "sending"
STATE_SENT = "sent"
STATE_FAILED = "failed"
STATE_DEAD = "dead"
MESSAGE_STATES = (STATE_PENDING, STATE_SENDING, STATE_SENT, STATE_FAILED, STATE_DEAD)

#: Why a message exists (free text, these are the ones the portal uses).
PURPOSES = ("ticket", "confirmation", "incident", "maintenance", "announcement", "welcome", "optin")


class Message(Base):
    """One delivery to one recipient over one channel."""

    __tablename__ = "notify_messages"
    __table_args__ = (
        # what the worker's claim query scans
        Index("ix_notify_messages_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Idempotency key: enqueueing the same key twice is a no-op. The e-mail
    #: Message-ID and the webhook Idempotency-Key header derive from it.
    key: Mapped[str] = mapped_column(String(255), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(32), index=True)
    #: An e-mail address, a webhook URL or a phone number (E.164).
    recipient: Mapped[str] = mapped_column(String(2000))
    #: e-mail: subject, text, html, headers, reply_to, from, message_id, date,
    #: attachments [{filename, content_type, data (base64)}];
    #: webhook: url, body (the exact JSON text that is signed), secret;
    #: sms: to (E.164), body.
    payload: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default=STATE_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The broadcast a message was expanded from, and the subscriber it went to
    #: (for the delivery log, export and erase). Named by table, not imported:
    #: the tables belong to status (``portal.status.subscription_models``),
    #: and the outbox only keeps the references.
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("notify_broadcasts.id", ondelete="SET NULL"), index=True)
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("notify_subscribers.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.channel} {self.state} {self.key}>"
