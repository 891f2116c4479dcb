"""Delivery: the outbox, the worker, e-mail and webhooks; subscribers and broadcasts.

Module map: ``models`` (Message, Broadcast, Subscriber), ``outbox``
(``enqueue_email``/``enqueue_webhook``, re-exported by ``services``),
``worker`` + ``delivery`` (claiming and delivering), ``mail`` (MIME and the
file/SMTP backends), ``webhooks`` (signed POSTs), ``subscribers``,
``broadcasts`` + ``fanout`` (incident updates and announcements to every
subscriber), ``welcome`` (the onboarding letter), ``views``, ``cli``.

``init_app`` connects the status signals to the fan-out, registers the staff
link, and adds the in-process worker thread to the server start hooks (the
embedded default: ``portal serve`` is one command).
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from portal.notify import broadcasts, worker

    broadcasts.connect_signals()
    app.extensions.setdefault("portal.on_server_start", []).append(worker.start_in_process)
    app.extensions.setdefault("portal.staff_links", []).append(
        {"endpoint": "notify_staff.index", "label": _l("Broadcast"), "roles": ("operator",)})
