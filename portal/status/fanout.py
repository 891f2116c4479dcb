"""Fan-out: one Broadcast row when posting, one Message per subscriber later.

Posting side (inside the operator's transaction, milliseconds): the status
signals' receivers call :func:`create_broadcast`, which renders the content
once per language and adds ONE ``Broadcast`` row to the sender's session.

Worker side (:func:`expand_pending`): a broadcast is claimed with a lease and
expanded in chunks of ``BROADCAST_CHUNK_SIZE`` subscribers, in subscriber id
order; each chunk's messages and the cursor are committed together, and every
message's key is ``broadcast:<id>:<subscriber id>`` inserted with ON CONFLICT
DO NOTHING, so a crash mid-expansion resumes without duplicating anything.
"""
from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta
from email.utils import format_datetime

from flask import current_app
from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from portal.db import new_session, utcnow
from portal.i18n import default_locale
from portal.outbox.links import site_url
from portal.outbox.models import CHANNEL_EMAIL, CHANNEL_SMS, CHANNEL_WEBHOOK, STATE_PENDING
from portal.outbox.services import insert_ignoring_duplicates, mail_domain, message_id_for
from portal.status import chat_formats
from portal.status import subscriber_links as links
from portal.status.subscription_models import (
    BROADCAST_EXPANDED,
    BROADCAST_PENDING,
    CHAT_CHANNELS,
    SUBSCRIBER_CONFIRMED,
    SUBSCRIBER_SMS,
    SUBSCRIBER_WEBHOOK,
    Broadcast,
    Subscriber,
    Subscription,
)

log = logging.getLogger(__name__)

#: Placeholders in rendered content, replaced per recipient at expansion.
MANAGE_PLACEHOLDER = "__PORTAL_MANAGE_URL__"
UNSUBSCRIBE_PLACEHOLDER = "__PORTAL_UNSUBSCRIBE_URL__"


def create_broadcast(session: Session, *, kind: str, event: str, component_ids, content: dict,
                     incident_id: int | None = None, created_by: str | None = None) -> Broadcast:
    """Add one broadcast to the caller's transaction (the caller commits)."""
    broadcast = Broadcast(kind=kind, event=event, incident_id=incident_id,
                          component_ids=sorted({int(c) for c in component_ids or ()}),
                          content=content, created_by=created_by, state=BROADCAST_PENDING,
                          cursor=0, recipients=0)
    session.add(broadcast)
    return broadcast


def recipients_query(broadcast: Broadcast, after: int, limit: int):
    """Confirmed subscribers of the broadcast's components, by id after ``after``."""
    query = select(Subscriber).where(Subscriber.state == SUBSCRIBER_CONFIRMED, Subscriber.id > after)
    if broadcast.component_ids:
        query = query.where(or_(
            Subscriber.all_components.is_(True),
            exists().where(Subscription.subscriber_id == Subscriber.id,
                           Subscription.component_id.in_(broadcast.component_ids))))
    return query.order_by(Subscriber.id).limit(limit)


def _content_for(broadcast: Broadcast, locale: str) -> dict:
    content = broadcast.content or {}
    default = default_locale()
    for candidate in (locale, default, "en"):
        if isinstance(content.get(candidate), dict):
            return content[candidate]
    return next(v for k, v in content.items() if k != "webhook" and isinstance(v, dict))


def _personal(text: str | None, manage: str, unsubscribe: str) -> str | None:
    if text is None:
        return None
    return text.replace(MANAGE_PLACEHOLDER, manage).replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe)


def sms_events() -> set[str]:
    """``kind:event`` pairs that deserve a text message (``SMS_EVENTS``)."""
    value = current_app.config["SMS_EVENTS"] or ""
    items = value if isinstance(value, (list, tuple)) else value.split(",")
    return {item.strip() for item in items if item.strip()}


def message_values(broadcast: Broadcast, subscriber: Subscriber, now: datetime, date_header: str) -> dict | None:
    """The outbox row for one recipient of a broadcast, or None when the
    broadcast is not for the subscriber's channel (a component update is for
    webhooks only, and only some events deserve an SMS)."""
    has_locales = any(k != "webhook" for k in (broadcast.content or {}))
    if subscriber.channel != SUBSCRIBER_WEBHOOK and not has_locales:
        return None
    key = f"broadcast:{broadcast.id}:{subscriber.id}"
    token = links.make_token(subscriber, links.PURPOSE_MANAGE)
    manage = site_url(f"/subscriptions/manage/{token}")
    unsubscribe = site_url(f"/subscriptions/unsubscribe/{token}")
    purpose = broadcast.kind
    base = {"key": key, "purpose": purpose, "recipient": subscriber.address, "state": STATE_PENDING,
            "attempts": 0, "next_attempt_at": now, "created_at": now, "broadcast_id": broadcast.id,
            "subscriber_id": subscriber.id, "channel": subscriber.channel}
    if subscriber.channel == SUBSCRIBER_SMS:
        text = _content_for(broadcast, subscriber.locale).get("sms")
        if not text or f"{broadcast.kind}:{broadcast.event}" not in sms_events():
            return None
        base.update(channel=CHANNEL_SMS, payload={"to": subscriber.address, "body": text})
        return base
    if subscriber.channel in CHAT_CHANNELS:
        chat = _content_for(broadcast, subscriber.locale).get("chat")
        if not chat:
            return None
        document = (chat_formats.slack_message(chat) if subscriber.channel == "slack"
                    else chat_formats.teams_message(chat))
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        base.update(channel=CHANNEL_WEBHOOK, payload={"url": subscriber.address, "body": body, "secret": None})
        return base
    if subscriber.channel == CHANNEL_EMAIL:
        content = _content_for(broadcast, subscriber.locale)
        base["payload"] = {
            "subject": content["subject"],
            "text": _personal(content["text"], manage, unsubscribe),
            "html": _personal(content.get("html"), manage, unsubscribe),
            "headers": {
                # RFC 2369 / RFC 8058: mail clients show an unsubscribe button
                # that POSTs "List-Unsubscribe=One-Click" to the https URL.
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": f"<status.{_list_domain()}>",
                "Precedence": "bulk",
            },
            "reply_to": None,
            "from": current_app.config.get("MAIL_FROM"),
            "message_id": message_id_for(key),
            "date": date_header,
            "attachments": [],
        }
    else:
        document = dict(broadcast.content.get("webhook") or {})
        document["meta"] = {**document.get("meta", {}), "unsubscribe": unsubscribe,
                            "documentation": site_url("/subscriptions/")}
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)
        base["payload"] = {"url": subscriber.address, "body": body, "secret": subscriber.secret}
    return base


def _list_domain() -> str:
    return mail_domain()


def _claim(session: Session, token: str, now: datetime, lease: timedelta) -> Broadcast | None:
    candidate = session.scalar(
        select(Broadcast.id).where(Broadcast.state == BROADCAST_PENDING,
                                   or_(Broadcast.claimed_until.is_(None), Broadcast.claimed_until < now))
        .order_by(Broadcast.id).limit(1))
    if candidate is None:
        return None
    # The WHERE is checked again under the row lock: of two workers, one wins.
    result = session.execute(
        update(Broadcast)
        .where(Broadcast.id == candidate, Broadcast.state == BROADCAST_PENDING,
               or_(Broadcast.claimed_until.is_(None), Broadcast.claimed_until < now))
        .values(claimed_by=token, claimed_until=now + lease)
        .execution_options(synchronize_session=False))
    session.commit()
    if result.rowcount != 1:
        return None
    return session.get(Broadcast, candidate, populate_existing=True)


def expand_one(session: Session, broadcast: Broadcast, token: str, now: datetime, lease: timedelta) -> int:
    """Expand a claimed broadcast completely; returns the messages written."""
    chunk = int(current_app.config["BROADCAST_CHUNK_SIZE"])
    date_header = format_datetime(broadcast.created_at)
    written = 0
    while True:
        subscribers = list(session.scalars(recipients_query(broadcast, broadcast.cursor, chunk)))
        rows = [row for row in (message_values(broadcast, s, now, date_header) for s in subscribers)
                if row is not None]
        for start in range(0, len(rows), 500):
            insert_ignoring_duplicates(session, rows[start:start + 500])
        done = len(subscribers) < chunk
        values = {"recipients": Broadcast.recipients + len(rows),
                  "claimed_until": now + lease}
        if subscribers:
            values["cursor"] = subscribers[-1].id
        if done:
            values.update(state=BROADCAST_EXPANDED, expanded_at=now, claimed_by=None, claimed_until=None)
        result = session.execute(update(Broadcast).where(Broadcast.id == broadcast.id,
                                                         Broadcast.claimed_by == token).values(**values))
        if result.rowcount != 1:  # our lease ran out and another worker took over
            session.rollback()
            return written
        session.commit()
        written += len(rows)
        session.refresh(broadcast)
        if done:
            return written


def expansion_in_progress() -> bool:
    """True while a worker holds a live lease on a pending broadcast."""
    session = new_session()
    try:
        return session.scalar(select(Broadcast.id).where(
            Broadcast.state == BROADCAST_PENDING, Broadcast.claimed_until > utcnow()).limit(1)) is not None
    finally:
        session.close()


def expand_pending(worker: str, now: datetime) -> int:
    """Expand every pending broadcast (call in an app context); returns messages written."""
    lease = timedelta(seconds=float(current_app.config["WORKER_LEASE_SECONDS"]))
    session = new_session()
    written = 0
    try:
        while True:
            token = f"{worker}:{uuid.uuid4().hex[:8]}"
            broadcast = _claim(session, token, now, lease)
            if broadcast is None:
                return written
            written += expand_one(session, broadcast, token, now, lease)
            log.info("broadcast %s expanded to %s recipients", broadcast.id, broadcast.recipients)
    finally:
        session.close()
