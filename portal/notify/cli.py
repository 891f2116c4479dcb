"""Commands: ``portal worker`` (deliver the outbox) and ``portal welcome send``."""
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
    from portal.notify import worker

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


@click.group("welcome")
def welcome_group() -> None:
    """The onboarding welcome letter."""


@welcome_group.command("send")
@click.argument("email")
@click.option("--name", default=None, help="The customer's name for the greeting.")
@click.option("--locale", default=None, help="Language of the letter (en, nl, de, sv, pl).")
@with_appcontext
def welcome_send_command(email: str, name: str | None, locale: str | None) -> None:
    """Queue the welcome letter for EMAIL (once per address; the worker sends it)."""
    from portal.db import session
    from portal.notify import welcome
    from portal.notify.subscribers import SubscriptionError

    try:
        message, queued = welcome.send_welcome(session, email, name=name, locale=locale)
    except SubscriptionError as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from exc
    session.commit()
    if queued:
        click.echo(f"Welcome letter queued for {message.recipient}.")
    else:
        click.echo(f"{message.recipient} already got the welcome letter ({message.state}); nothing sent.")
