"""The outbox's public write path, for every domain.

Domains use :func:`enqueue_email`, :func:`enqueue_webhook` and :func:`enqueue_sms` (the
transactional outbox, see :mod:`portal.outbox.outbox`) in their own
transaction; fan-outs that write many rows at once use
:func:`insert_ignoring_duplicates`.
"""
from __future__ import annotations

from portal.outbox.outbox import (
    OutboxError,
    enqueue_email,
    enqueue_sms,
    enqueue_webhook,
    insert_ignoring_duplicates,
    mail_domain,
    message_id_for,
)

__all__ = ["OutboxError", "enqueue_email", "enqueue_sms", "enqueue_webhook", "insert_ignoring_duplicates", "mail_domain",
           "message_id_for"]
