"""The notify domain's one write path.

Other domains use :func:`enqueue_email` and :func:`enqueue_webhook` (the
transactional outbox, see :mod:`portal.notify.outbox`); subscribers and
broadcasts have their services in :mod:`portal.notify.subscribers` and
:mod:`portal.notify.broadcasts`.
"""
from __future__ import annotations

from portal.notify.outbox import OutboxError, enqueue_email, enqueue_webhook, message_id_for

__all__ = ["OutboxError", "enqueue_email", "enqueue_webhook", "message_id_for"]
