"""Delivery infrastructure: the outbox, the worker, e-mail and webhooks. Knows no domain.

Module map: ``models`` (``Message``), ``outbox`` (``enqueue_email`` /
``enqueue_webhook`` / ``insert_ignoring_duplicates``, re-exported by
``services``), ``worker`` + ``delivery`` (claiming and delivering), ``mail``
(MIME and the file/SMTP backends), ``webhooks`` (signed POSTs),
``rendering`` (mail templates in the recipient's language), ``links``
(absolute URLs on the public address), ``cli`` (``portal worker``).

Domains plug in instead of being imported (``portal.outbox`` imports none):

* periodic jobs: ``worker.register_periodic_job(app, job)`` (status's
  maintenance clock, kb's scheduled publishing), run by the worker's first
  delivery loop;
* fan-outs: ``worker.register_fanout(app, worker.FanOut(...))`` (status's
  broadcasts to subscribers), run by every delivery loop before it claims;
* server-start hooks in ``app.extensions["portal.on_server_start"]`` (warm-ups).

``init_app`` adds the in-process worker thread to the server start hooks (the
embedded default: ``portal serve`` is one command).
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.outbox import worker

    hooks = app.extensions.setdefault("portal.on_server_start", [])
    if worker.start_in_process not in hooks:
        hooks.append(worker.start_in_process)
