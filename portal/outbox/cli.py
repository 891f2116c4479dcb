"""Command: ``portal worker`` (deliver the outbox)."""
from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Delivery loops (threads) in this process.")
@click.option("--batch", "batch_size", default=None, type=click.IntRange(1, 10_000),
              help="Messages claimed at a time (default WORKER_BATCH_SIZE).")
@with_appcontext
def worker_command(once: bool, concurrency: int, batch_size: int | None) -> None:
    """Deliver queued e-mails and webhooks (run several on PostgreSQL to share the work)."""
    from portal.outbox import worker

    app = current_app._get_current_object()
    stop = threading.Event()

    def _stop(signum, _frame):
        click.echo(f"Stopping after the current message ({signal.Signals(signum).name}).", err=True)
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"Outbox worker started ({concurrency} loop(s), backend {app.config.get('MAIL_BACKEND')}).",
               err=True)
    try:
        handled = worker.run_concurrently(app, stop, concurrency=concurrency, once=once, batch_size=batch_size)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"Outbox worker stopped; {handled} message(s) attempted.", err=True)
