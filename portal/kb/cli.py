"""``portal articles ...``: maintenance commands of the help center."""
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
