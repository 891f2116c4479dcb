"""``portal articles ...``, ``portal export`` and ``portal welcome send``: commands of the help center."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext


@click.group("articles")
def articles_group() -> None:
    """Help center articles (import them with `portal import`)."""


@articles_group.command("rerender")
@with_appcontext
def rerender_command() -> None:
    """Render all articles again, e.g. after changing EMBED_HOSTS."""
    from portal.kb.services import rerender_articles

    changed = rerender_articles()
    click.echo(f"{changed} article(s) rendered differently and were updated.")


@click.command("export")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.option("--locale", default=None, help="Only this language (e.g. nl).")
@click.option("--category", default=None, help="Only this category (its slug).")
@click.option("--drafts", is_flag=True, help="Write pending drafts of published articles instead of the live version.")
@with_appcontext
def export_command(path: Path, locale: str | None, category: str | None, drafts: bool) -> None:
    """Write articles and categories as markdown files that `portal import` reads back unchanged."""
    from portal.config import SUPPORTED_LOCALES
    from portal.kb.export import export_articles

    if locale and locale not in SUPPORTED_LOCALES:
        raise click.BadParameter(f"must be one of {', '.join(SUPPORTED_LOCALES)}", param_hint="--locale")
    report = export_articles(path, locale=locale, category=category, drafts=drafts)
    click.echo(report.summary())


@articles_group.command("publish-due")
@with_appcontext
def publish_due_command() -> None:
    """Publish scheduled drafts whose time has come (the worker does this by itself)."""
    from portal.kb.workflow import publish_due

    click.echo(f"{publish_due()} scheduled article(s) published.")


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
    from portal.kb import welcome

    try:
        message, queued = welcome.send_welcome(session, email, name=name, locale=locale)
    except welcome.AddressError as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from exc
    session.commit()
    if queued:
        click.echo(f"Welcome letter queued for {message.recipient}.")
    else:
        click.echo(f"{message.recipient} already got the welcome letter ({message.state}); nothing sent.")
