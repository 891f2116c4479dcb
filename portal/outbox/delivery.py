"""Delivering a claimed batch of outbox messages, and recording the outcome.

The worker (:mod:`portal.outbox.worker`) claims a batch with a lease and hands
it here. E-mails go first, over one backend connection for the whole batch;
webhooks after, a few in parallel; text messages last, one gateway request each. Every outcome is committed on its own right
after the attempt, so a worker killed mid-batch loses at most the one message
it was sending (and that message keeps its lease until it expires, then is
sent again with the same Message-ID / Idempotency-Key).
"""
from __future__ import annotations

import logging
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Callable

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.outbox import mail, sms, webhooks
from portal.outbox.models import (
    CHANNEL_EMAIL,
    CHANNEL_SMS,
    CHANNEL_WEBHOOK,
    STATE_DEAD,
    STATE_FAILED,
    STATE_SENDING,
    STATE_SENT,
    Message,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def backoff_delay(app: Flask, attempts: int) -> timedelta:
    """Exponential backoff with jitter: base * 2^(n-1), capped, then ±25 %."""
    base = float(app.config["WORKER_BACKOFF_SECONDS"])
    cap = float(app.config["WORKER_BACKOFF_MAX_SECONDS"])
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=delay * random.uniform(0.75, 1.25))


class BatchDelivery:
    """Delivers the messages one claim token holds."""

    def __init__(self, app: Flask, session: Session, token: str, clock: Clock):
        self.app = app
        self.session = session
        self.token = token
        self.clock = clock
        self.lease = timedelta(seconds=float(app.config["WORKER_LEASE_SECONDS"]))
        self.max_attempts = int(app.config["WORKER_MAX_ATTEMPTS"])
        self.sent = 0
        self.messages: dict[int, Message] = {}
        self.lease_until = clock()

    # -- bookkeeping -------------------------------------------------------

    def _load(self, ids: list[int]) -> None:
        """The batch's messages, read once; our lease runs until ``lease_until``."""
        self.messages = {m.id: m for m in self.session.scalars(
            select(Message).where(Message.id.in_(ids), Message.claimed_by == self.token,
                                  Message.state == STATE_SENDING))}
        self.lease_until = min((m.claimed_until for m in self.messages.values()), default=self.clock())

    def _held(self, message_id: int) -> Message | None:
        """The message if this batch still holds it, else None.

        Only a lease that ran out lets another worker take a message, so the
        lease is renewed when half used; after a renewal the batch keeps only
        the messages still claimed by its token.
        """
        message = self.messages.get(message_id)
        if message is None:
            return None
        now = self.clock()
        if self.lease_until - now < self.lease / 2:
            self.session.execute(
                update(Message)
                .where(Message.claimed_by == self.token, Message.state == STATE_SENDING)
                .values(claimed_until=now + self.lease))
            self.session.commit()
            self.lease_until = now + self.lease
            still = set(self.session.scalars(select(Message.id).where(
                Message.claimed_by == self.token, Message.state == STATE_SENDING)))
            self.messages = {i: m for i, m in self.messages.items() if i in still}
        return self.messages.get(message_id)

    def _finish(self, message_id: int, values: dict) -> bool:
        result = self.session.execute(
            update(Message)
            .where(Message.id == message_id, Message.claimed_by == self.token)
            .values(claimed_by=None, claimed_until=None, **values))
        self.session.commit()
        return result.rowcount == 1

    def mark_sent(self, message: Message) -> None:
        if self._finish(message.id, {"state": STATE_SENT, "sent_at": self.clock(),
                                     "attempts": message.attempts + 1, "last_error": None}):
            self.sent += 1
        else:  # pragma: no cover - needs a lease to run out between two statements
            log.warning("message %s was sent but its lease had passed to another worker", message.key)

    def mark_failed(self, message: Message, error: str, *, permanent: bool = False,
                    server_down: bool = False) -> None:
        attempts = message.attempts + 1
        if permanent or (not server_down and attempts >= self.max_attempts):
            state, next_at = STATE_DEAD, message.next_attempt_at
            log.error("giving up on %s to %s after %d attempts: %s",
                      message.key, message.recipient, attempts, error)
        else:
            # An unreachable server says nothing about the message: it backs
            # off (capped) but is never given up, so nothing is lost.
            state, next_at = STATE_FAILED, self.clock() + backoff_delay(self.app, attempts)
            log.warning("delivery of %s failed (attempt %d), retry at %s: %s",
                        message.key, attempts, next_at.isoformat(), error)
        self._finish(message.id, {"state": state, "attempts": attempts,
                                  "next_attempt_at": next_at, "last_error": error[:2000]})

    # -- channels ------------------------------------------------------------

    def run(self, ids: list[int]) -> int:
        self._load(ids)
        ordered = sorted(self.messages.values(), key=lambda m: m.id)
        emails = [m.id for m in ordered if m.channel == CHANNEL_EMAIL]
        hooks = [m.id for m in ordered if m.channel == CHANNEL_WEBHOOK]
        if emails:
            self.deliver_emails(emails)
        if hooks:
            self.deliver_webhooks(hooks)
        texts = [m.id for m in ordered if m.channel == CHANNEL_SMS]
        if texts:
            self.deliver_sms(texts)
        return self.sent

    def deliver_emails(self, ids: list[int]) -> None:
        with mail.open_backend(self.app.config) as backend:
            for position, message_id in enumerate(ids):
                message = self._held(message_id)
                if message is None:
                    continue
                try:
                    email = mail.build_email(message.recipient, message.payload)
                    backend.send(message.key, message.recipient, email)
                except mail.DeliveryError as exc:
                    self.mark_failed(message, str(exc), permanent=exc.permanent,
                                     server_down=exc.server_down)
                    if exc.server_down:
                        self._server_down(ids[position + 1:], str(exc))
                        return
                    continue
                except (ValueError, KeyError, TypeError) as exc:
                    # a payload that cannot become a message will never become one
                    self.mark_failed(message, f"malformed message: {exc!r}", permanent=True)
                    continue
                self.mark_sent(message)

    def _server_down(self, remaining: list[int], error: str) -> None:
        """The mail server is unreachable: the rest of the batch backs off too."""
        for message_id in remaining:
            message = self._held(message_id)
            if message is not None:
                self.mark_failed(message, error, server_down=True)

    def deliver_webhooks(self, ids: list[int]) -> None:
        timeout = float(self.app.config["WEBHOOK_TIMEOUT"])
        parallel = max(1, int(self.app.config["WEBHOOK_CONCURRENCY"]))
        held = [m for m in (self._held(i) for i in ids) if m is not None]
        jobs = [(m.id, m.payload["url"], m.payload["body"], m.payload.get("secret"), m.key) for m in held]
        by_id = {m.id: m for m in held}

        def attempt(job):
            message_id, url, body, secret, key = job
            try:
                webhooks.post(url, body, secret=secret, key=key, timeout=timeout)
            except webhooks.WebhookError as exc:
                return message_id, exc
            return message_id, None

        with ThreadPoolExecutor(max_workers=min(parallel, max(1, len(jobs)))) as pool:
            for message_id, error in pool.map(attempt, jobs):
                message = by_id[message_id]
                if error is None:
                    self.mark_sent(message)
                elif error.client_error and message.attempts + 1 >= 2:
                    self.mark_failed(message, str(error), permanent=True)
                else:
                    self.mark_failed(message, str(error))

    def deliver_sms(self, ids: list[int]) -> None:
        """One gateway request per text, in order; the outcome is committed
        right after each, as for e-mail (a kill loses at most the one in flight)."""
        for message_id in ids:
            message = self._held(message_id)
            if message is None:
                continue
            try:
                sms.send(self.app.config, message.payload["to"], message.payload["body"], message.key)
            except sms.SmsError as exc:
                permanent = exc.client_error and message.attempts + 1 >= 2
                self.mark_failed(message, str(exc), permanent=permanent)
                continue
            except (KeyError, TypeError) as exc:
                self.mark_failed(message, f"malformed message: {exc!r}", permanent=True)
                continue
            self.mark_sent(message)
