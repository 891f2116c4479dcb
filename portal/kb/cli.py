"""``portal articles ...``: maintenance commands of the help center."""
from __future__ import annotations

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
