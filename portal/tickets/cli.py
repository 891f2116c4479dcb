"""``portal tickets``: check the contact-form configuration before it goes live."""
from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.db import utcnow


@click.group("tickets")
def tickets_group() -> None:
    """The ticket form: configuration and expectations."""


@tickets_group.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@with_appcontext
def check_command(path: str | None) -> None:
    """Validate tickets.yaml (PATH, or the one the portal uses) and summarise it."""
    from portal.tickets.config import ConfigError, config_path, load_config

    path = path or str(config_path(current_app))
    try:
        cfg = load_config(path)
    except ConfigError as err:
        click.echo(f"{err.source}: {len(err.problems)} problem(s):", err=True)
        for problem in err.problems:
            click.echo(f"  - {problem}", err=True)
        raise SystemExit(1) from err
    click.echo(f"{path}: OK")
    click.echo(f"  support: {cfg.support_email}" + (f", phone {cfg.support_phone}" if cfg.support_phone else ""))
    click.echo(f"  forms: {', '.join(cfg.forms)}")
    click.echo(f"  webhook: {cfg.webhook_url or 'none'}")
    request_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request_limit and cfg.max_files * cfg.max_file_bytes >= request_limit:
        click.echo(f"  warning: {cfg.max_files} files of {cfg.max_file_bytes} bytes do not fit in one request "
                   f"(MAX_CONTENT_LENGTH = {request_limit}); customers attaching the most would see an error",
                   err=True)


@tickets_group.command("expect")
@click.option("--at", "at", default=None, help="ISO time the ticket is sent, e.g. 2026-11-20T21:00+01:00 (default now).")
@click.option("--urgent", is_flag=True, help="Use the urgent response target.")
@click.option("--lang", default="en", show_default=True)
@with_appcontext
def expect_command(at: str | None, urgent: bool, lang: str) -> None:
    """Show what the form promises for a ticket sent at a given time."""
    from flask_babel import force_locale

    from portal.tickets import hours
    from portal.tickets.config import get_config

    cfg = get_config()
    now = datetime.fromisoformat(at) if at else utcnow()
    if now.tzinfo is None:
        now = now.replace(tzinfo=cfg.schedule.timezone)
    with force_locale(lang):
        promise = hours.describe_expectation(cfg.schedule, cfg.target_for(urgent), now, lang)
    state = "open" if promise["open"] else "closed"
    click.echo(f"{state}; we answer {promise['target']}: {promise['when']} ({promise['timezone']})")
