"""The ``portal`` command: thin wrappers over services.

A Flask CLI group, so ``portal run``, ``portal shell`` and ``portal routes``
work too. The app factory adds every command to ``app.cli`` through
:func:`register_commands` (so ``app.test_cli_runner()`` sees them as well);
domain commands live in ``portal/<domain>/cli.py`` and are listed in
:data:`COMMANDS`.
"""
from __future__ import annotations

import importlib

import click
from flask.cli import FlaskGroup, with_appcontext

#: (module, attribute) of each domain command or command group.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("portal.content", "import_command"),
    ("portal.search.cli", "index_group"),
    ("portal.auth.cli", "user_group"),
    ("portal.status.cli", "incident_group"),
    ("portal.status.cli", "component_group"),
    ("portal.outbox.cli", "worker_command"),
    ("portal.kb.cli", "welcome_group"),
    ("portal.tickets.cli", "tickets_group"),
    ("portal.kb.cli", "articles_group"),
    ("portal.kb.cli", "export_command"),
    ("portal.support.cli", "support_group"),
)


def _create_app():
    from portal import create_app
    from portal.config import SiteUrlError

    try:
        return create_app()
    except SiteUrlError as exc:  # one clear line, for every command
        raise click.ClickException(str(exc)) from exc


class PortalGroup(FlaskGroup):
    """Turns database errors into one clear line instead of a traceback."""

    def invoke(self, ctx):
        from sqlalchemy.exc import DBAPIError

        try:
            return super().invoke(ctx)
        except DBAPIError as exc:
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            raise click.ClickException(
                f"database error: {reason}\n"
                "If the database is new or the portal was upgraded, run `portal init` first."
            ) from exc


@click.group(cls=PortalGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Help center and status portal."""


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database schema (safe to run again)."""
    from portal import db, migrations

    before = migrations.current_heads(db.engine())
    migrations.upgrade(db.engine())
    after = migrations.current_heads(db.engine())
    if before == after:
        click.echo("Database is up to date.")
    else:
        click.echo(f"Database upgraded to {', '.join(sorted(after))}.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="Server processes.")
@click.option("--threads", default=4, show_default=True, type=int, help="Threads per process.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default=None,
              help="Log lines as text or JSON (with request ids); default PORTAL_LOG_FORMAT, else text.")
def serve_command(host: str, port: int, workers: int, threads: int, log_format: str | None) -> None:
    """Run the portal on gunicorn, the production WSGI server.

    Links in e-mails use PORTAL_SITE_URL; without it, an address derived from
    --host/--port (and a warning when that is not this machine's loopback).
    """
    from portal.config import SiteUrlError
    from portal.server import serve

    try:
        serve(host=host, port=port, workers=workers, threads=threads,
              announce=lambda line: click.echo(line, err=True), log_format=log_format)
    except SiteUrlError as exc:  # a malformed PORTAL_SITE_URL
        raise click.ClickException(str(exc)) from exc


def register_commands(group: click.Group) -> None:
    group.add_command(init_command)
    group.add_command(serve_command)
    for module_name, attr in COMMANDS:
        group.add_command(getattr(importlib.import_module(module_name), attr))
