"""The transactional outbox: put messages in the caller's transaction.

``enqueue_email``, ``enqueue_webhook`` and ``enqueue_sms`` add one row to ``notify_messages``
through the caller's session and never commit: the caller's commit makes the
ticket (or incident update) and its messages real together, its rollback
discards both. Delivery is the worker's job (:mod:`portal.outbox.worker`).

The insert is ``INSERT ... ON CONFLICT (key) DO NOTHING`` so enqueueing the
same idempotency key twice, even from two transactions at once, is a no-op.
"""
from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.outbox.models import CHANNEL_EMAIL, CHANNEL_SMS, CHANNEL_WEBHOOK, STATE_PENDING, Message

MAX_KEY_LENGTH = 255


class OutboxError(ValueError):
    """A message that cannot be enqueued as given (programming error)."""


def insert_ignoring_duplicates(session: Session, values: dict | list[dict]):
    """``INSERT ... ON CONFLICT (key) DO NOTHING`` of one row (a dict) or many
    (a list of dicts) on SQLite and PostgreSQL."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the portal supports these two
        raise OutboxError(f"unsupported database: {dialect}")
    statement = insert(Message).values(values).on_conflict_do_nothing(index_elements=["key"])
    session.execute(statement)


def _add(session: Session, values: dict) -> Message:
    key = values["key"]
    if not key or len(key) > MAX_KEY_LENGTH:
        raise OutboxError(f"an idempotency key of 1 to {MAX_KEY_LENGTH} characters is required")
    now = utcnow()
    values = {
        "state": STATE_PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        **values,
    }
    insert_ignoring_duplicates(session, values)
    return session.scalars(select(Message).where(Message.key == key)).one()


def message_id_for(key: str) -> str:
    """A stable RFC 5322 Message-ID from the idempotency key.

    A message delivered twice (a worker killed between the server's "250 OK"
    and recording it) carries the same Message-ID both times, so receiving
    systems can recognise the duplicate.
    """
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    return f"<{digest}@{mail_domain()}>"


def mail_domain() -> str:
    _name, address = parseaddr(current_app.config["MAIL_FROM"])
    if "@" in address:
        return address.rsplit("@", 1)[1]
    return urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"


def _attachment(item) -> dict:
    try:
        filename, content_type, content = item
    except (TypeError, ValueError) as exc:
        raise OutboxError("attachments are (filename, content_type, bytes_or_path) tuples") from exc
    if isinstance(content, (str, Path)):
        # read now: the file may be gone by the time the worker sends
        content = Path(content).read_bytes()
    if not isinstance(content, (bytes, bytearray)):
        raise OutboxError("attachment content must be bytes or a path")
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return {
        "filename": filename,
        "content_type": content_type,
        "data": base64.b64encode(bytes(content)).decode("ascii"),
    }


def enqueue_email(
    session: Session,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict | None = None,
    reply_to: str | None = None,
    attachments: Iterable = (),
    key: str,
    purpose: str,
    broadcast_id: int | None = None,
    subscriber_id: int | None = None,
) -> Message:
    """Queue an e-mail in the caller's transaction (no commit). Same key: no-op."""
    if not to or "@" not in to:
        raise OutboxError("an e-mail address is required")
    payload = {
        "subject": subject,
        "text": text,
        "html": html,
        "headers": dict(headers or {}),
        "reply_to": reply_to,
        "from": current_app.config.get("MAIL_FROM"),
        "message_id": message_id_for(key),
        "date": format_datetime(utcnow()),
        "attachments": [_attachment(item) for item in attachments],
    }
    return _add(session, {
        "key": key,
        "channel": CHANNEL_EMAIL,
        "purpose": purpose,
        "recipient": to,
        "payload": payload,
        "broadcast_id": broadcast_id,
        "subscriber_id": subscriber_id,
    })


def enqueue_webhook(
    session: Session,
    *,
    url: str,
    payload: dict,
    secret: str | None = None,
    key: str,
    purpose: str,
    broadcast_id: int | None = None,
    subscriber_id: int | None = None,
) -> Message:
    """Queue a signed JSON POST in the caller's transaction (no commit)."""
    scheme = urlsplit(url or "").scheme
    if scheme not in ("http", "https"):
        raise OutboxError("a webhook URL must be http:// or https://")
    # The body is serialised once, now: the bytes signed are the bytes sent,
    # on every retry.
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)
    return _add(session, {
        "key": key,
        "channel": CHANNEL_WEBHOOK,
        "purpose": purpose,
        "recipient": url,
        "payload": {"url": url, "body": body, "secret": secret},
        "broadcast_id": broadcast_id,
        "subscriber_id": subscriber_id,
    })


def enqueue_sms(
    session: Session,
    *,
    to: str,
    body: str,
    key: str,
    purpose: str,
    broadcast_id: int | None = None,
    subscriber_id: int | None = None,
) -> Message:
    """Queue a text message (E.164 number) in the caller's transaction (no commit)."""
    if not to or not to.startswith("+") or not to[1:].isdigit():
        raise OutboxError("an E.164 phone number (+<digits>) is required")
    return _add(session, {
        "key": key,
        "channel": CHANNEL_SMS,
        "purpose": purpose,
        "recipient": to,
        "payload": {"to": to, "body": body},
        "broadcast_id": broadcast_id,
        "subscriber_id": subscriber_id,
    })
