"""``portal support``: the answer mailbox, GDPR access/erasure and retention."""
from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext


@click.group("support")
def support_group() -> None:
    """The support loop: answer mailbox, personal data."""


@support_group.command("ingest-mail")
@with_appcontext
def ingest_mail_command() -> None:
    """Read one RFC 5322 message on stdin; an agent's answer marks its ticket answered."""
    from portal import db
    from portal.support import mailin
    from portal.tickets.config import get_config

    outcome = mailin.ingest(db.session, sys.stdin.buffer.read(), get_config())
    click.echo(f"{outcome.status}: {outcome.reason}" + (f" ({outcome.reference})" if outcome.reference else ""))
    # exit 0 for ignored mail too: a mail server must not bounce a copy it cannot use


@support_group.command("export")
@click.argument("email")
@with_appcontext
def export_command(email: str) -> None:
    """Print everything stored about the tickets of EMAIL as JSON (GDPR access)."""
    from portal import db
    from portal.support import privacy

    click.echo(json.dumps(privacy.export(db.session, email), indent=2, ensure_ascii=False))


@support_group.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_command(email: str, yes: bool) -> None:
    """Erase the tickets of EMAIL with their ratings, events and idea links (GDPR erasure)."""
    from portal import db
    from portal.support import privacy

    if not yes:
        click.confirm(f"Erase every ticket sent from {email}?", abort=True)
    references = privacy.erase(db.session, email)
    click.echo(f"erased {len(references)} ticket(s)" + (f": {', '.join(references)}" if references else ""))


@support_group.command("purge")
@click.option("--older-than-days", type=click.IntRange(min=1), required=True,
              help="Erase tickets (and their support data) sent longer ago than this.")
@with_appcontext
def purge_command(older_than_days: int) -> None:
    """Retention: erase old tickets with their ratings, events and idea links."""
    from portal import db
    from portal.support import privacy

    click.echo(f"erased {privacy.purge(db.session, older_than_days)} ticket(s)")
