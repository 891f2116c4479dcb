"""The outbox worker: claim due messages with a lease, deliver, repeat.

Claiming is what keeps several workers (threads, processes, machines) from
sending the same message:

* on PostgreSQL, ``SELECT ... FOR UPDATE SKIP LOCKED`` picks rows no other
  transaction is claiming, then marks them ``sending`` with a lease;
* on SQLite, one ``UPDATE ... WHERE id IN (SELECT ... due ...)`` marks them,
  atomic because SQLite runs one writer at a time.

A claim holds a lease (``claimed_until``). A worker killed mid-batch (SIGKILL,
power loss) leaves its messages ``sending``; when the lease runs out they are
due again and the next worker sends them, with the same Message-ID and
Idempotency-Key. Each message is marked sent in its own commit right after its
delivery, so the window for a duplicate is the time between the server's
acceptance and that commit.

Entry points: :func:`drain` (tests: deliver everything due now), :func:`run`
(the loop of ``portal worker`` and of the in-process thread),
:func:`start_in_process` (the ``portal serve`` hook).

Domains hook in without the worker knowing them: :func:`register_periodic_job`
(run by the first delivery loop every round: status's maintenance clock, kb's
scheduled publishing) and :func:`register_fanout` (run by every loop before
it claims: status's broadcasts expanded into one message per subscriber).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import Flask
from sqlalchemy import and_, or_, select, update

from portal.db import new_session, utcnow
from portal.outbox.delivery import BatchDelivery, Clock
from portal.outbox.models import STATE_FAILED, STATE_PENDING, STATE_SENDING, Message

log = logging.getLogger(__name__)

#: ``app.extensions`` keys of what domains register (see the module docstring).
PERIODIC_JOBS = "portal.periodic_jobs"
FANOUTS = "portal.outbox.fanouts"


@dataclass(frozen=True)
class FanOut:
    """A domain's fan-out: work that becomes outbox messages in the worker.

    ``expand(worker_name, now)`` writes the messages that are due (call in an
    app context; idempotent, safe with several workers) and returns how many
    it wrote; ``in_progress()`` is True while another worker holds a lease on
    an expansion (so ``portal worker --once`` does not stop early)."""

    expand: Callable[[str, datetime], int]
    in_progress: Callable[[], bool]


def register_periodic_job(app: Flask, job: Callable[[], object]) -> None:
    """Run ``job()`` (in an app context) every worker round. It must be
    idempotent and safe with several workers; its exceptions are logged."""
    jobs = app.extensions.setdefault(PERIODIC_JOBS, [])
    if job not in jobs:
        jobs.append(job)


def register_fanout(app: Flask, fanout: FanOut) -> None:
    """Let every delivery loop (and :func:`drain`) run ``fanout`` before it claims."""
    fanouts = app.extensions.setdefault(FANOUTS, [])
    if fanout not in fanouts:
        fanouts.append(fanout)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _due(now: datetime):
    return or_(
        and_(Message.state.in_((STATE_PENDING, STATE_FAILED)), Message.next_attempt_at <= now),
        # a lease that ran out: its worker died (or hung) mid-batch
        and_(Message.state == STATE_SENDING, Message.claimed_until < now),
    )


def claim(session, token: str, limit: int, now: datetime, lease: timedelta) -> list[int]:
    """Claim up to ``limit`` due messages for ``token``; commits the claim."""
    values = {"state": STATE_SENDING, "claimed_by": token, "claimed_until": now + lease}
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(
            select(Message.id).where(_due(now))
            .order_by(Message.next_attempt_at, Message.id)
            .limit(limit)
            .with_for_update(skip_locked=True)))
        if ids:
            session.execute(update(Message).where(Message.id.in_(ids)).values(**values))
    else:
        due_ids = (select(Message.id).where(_due(now))
                   .order_by(Message.next_attempt_at, Message.id).limit(limit))
        session.execute(
            update(Message).where(Message.id.in_(due_ids.scalar_subquery())).values(**values)
            .execution_options(synchronize_session=False))
        ids = list(session.scalars(select(Message.id).where(Message.claimed_by == token)))
    session.commit()
    return ids


def process_batch(app: Flask, *, worker: str | None = None, now: datetime | None = None,
                  batch_size: int | None = None) -> int:
    """Claim one batch and deliver it. Returns the number claimed."""
    clock: Clock = (lambda: now) if now is not None else utcnow
    token = f"{worker or worker_name()}:{uuid.uuid4().hex[:8]}"
    lease = timedelta(seconds=float(app.config["WORKER_LEASE_SECONDS"]))
    size = batch_size or int(app.config["WORKER_BATCH_SIZE"])
    with app.app_context():
        session = new_session()
        try:
            ids = claim(session, token, size, clock(), lease)
            if ids:
                BatchDelivery(app, session, token, clock).run(ids)
            return len(ids)
        finally:
            session.close()


def expand_broadcasts(app: Flask, *, now: datetime | None = None, worker: str | None = None) -> int:
    """Run the registered fan-outs (e.g. status's broadcasts to subscribers);
    returns the messages they wrote."""
    written = 0
    with app.app_context():
        for fanout in app.extensions.get(FANOUTS, ()):
            written += fanout.expand(worker or worker_name(), now or utcnow())
    return written


def drain(app: Flask, now: datetime | None = None, max_rounds: int = 10_000) -> int:
    """Deliver everything due at ``now`` (default: the real clock); for tests.

    Returns how many messages were sent. Messages that fail are rescheduled
    with backoff and are therefore not due again within the same ``now``.
    """
    sent_before = _count_sent(app)
    for _round in range(max_rounds):
        expanded = expand_broadcasts(app, now=now)
        claimed = process_batch(app, now=now)
        if not claimed and not expanded:
            break
    return _count_sent(app) - sent_before


def _count_sent(app: Flask) -> int:
    from sqlalchemy import func

    from portal.outbox.models import STATE_SENT

    with app.app_context():
        session = new_session()
        try:
            return session.scalar(select(func.count()).select_from(Message).where(Message.state == STATE_SENT))
        finally:
            session.close()


def _run_periodic_jobs(app: Flask) -> None:
    """Run the periodic jobs domains registered (:func:`register_periodic_job`),
    e.g. status's maintenance clock and kb's scheduled publishing."""
    for job in app.extensions.get(PERIODIC_JOBS, ()):
        with app.app_context():
            try:
                job()
            except Exception:  # the delivery loop must outlive a bug elsewhere
                log.exception("periodic job %s failed", getattr(job, "__qualname__", job))


def run(app: Flask, stop_event: threading.Event, *, once: bool = False,
        batch_size: int | None = None, run_periodic: bool = True) -> int:
    """The delivery loop: until ``stop_event`` is set (or, ``once``, until idle).

    Returns how many messages it claimed and attempted."""
    poll = float(app.config["WORKER_POLL_SECONDS"])
    name = worker_name()
    handled = 0
    while not stop_event.is_set():
        if run_periodic:
            _run_periodic_jobs(app)
        try:
            expanded = expand_broadcasts(app, worker=name)
            claimed = process_batch(app, worker=name, batch_size=batch_size)
        except Exception:  # a database hiccup must not end the worker
            log.exception("outbox worker round failed; retrying after %s s", poll)
            if once:
                break
            stop_event.wait(poll)
            continue
        handled += claimed
        if not claimed and not expanded:
            # --once ends when idle, but not while another loop is still
            # expanding a broadcast into messages this one could deliver
            if once and not _expansion_in_progress(app):
                break
            stop_event.wait(poll)
    return handled


def _expansion_in_progress(app: Flask) -> bool:
    with app.app_context():
        return any(fanout.in_progress() for fanout in app.extensions.get(FANOUTS, ()))


def run_concurrently(app: Flask, stop_event: threading.Event, *, concurrency: int = 1,
                     once: bool = False, batch_size: int | None = None) -> int:
    """``concurrency`` delivery loops in threads of this process; returns the
    number of messages they handled."""
    totals: list[int] = []

    def loop(index: int) -> None:
        totals.append(run(app, stop_event, once=once, batch_size=batch_size, run_periodic=index == 0))

    threads = [threading.Thread(target=loop, args=(index,), name=f"portal-worker-{index}", daemon=True)
               for index in range(max(1, concurrency))]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=0.5)
    return sum(totals)


def start_in_process(app: Flask) -> threading.Thread | None:
    """The ``portal serve`` hook: a daemon delivery thread in this process."""
    if not app.config.get("WORKER_IN_PROCESS"):
        return None
    stop_event = threading.Event()
    thread = threading.Thread(target=run, args=(app, stop_event), name="portal-outbox-worker", daemon=True)
    # (keys keep their historical names: scripts and tests stop the thread through them)
    app.extensions["portal.notify.worker_stop"] = stop_event
    app.extensions["portal.notify.worker_thread"] = thread
    thread.start()
    log.info("outbox worker thread started in process %s", os.getpid())
    return thread
