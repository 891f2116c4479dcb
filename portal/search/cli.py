"""``portal index``: rebuild, check and update the search index."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.search import services
from portal.search.index import CheckReport, IndexBusy


@click.group("index")
def index_group() -> None:
    """Maintain the full-text search index."""


def _echo_disagreements(report: CheckReport) -> None:
    for label, ids in (("missing", report.missing), ("stale", report.stale), ("orphaned", report.orphaned)):
        if ids:
            shown = ", ".join(str(i) for i in ids[:20]) + (" ..." if len(ids) > 20 else "")
            click.echo(f"{label}: {len(ids)} article(s): {shown}")


@index_group.command("rebuild")
@with_appcontext
def rebuild_command() -> None:
    """Index every published article aside, then swap the new index in."""
    try:
        report = services.rebuild_index()
    except IndexBusy as exc:
        raise click.ClickException(str(exc)) from exc
    for article_id, reason in report.failed:
        click.echo(f"FAILED article {article_id}: {reason}", err=True)
    click.echo(f"Indexed {report.indexed} article(s) in {report.seconds:.1f} s"
               + (f", {len(report.failed)} failed" if report.failed else "") + ".")
    if report.caught_up is not None and not report.caught_up.ok:
        click.echo(f"Caught up with {report.caught_up.total} change(s) made during the rebuild.")


def _echo_positions() -> None:
    """Each server's place in the change log (several servers: see follower.py)."""
    lags = services.index_lags()
    if not lags["servers"]:
        return
    click.echo(f"Change log head: {lags['head']}.")
    for server in lags["servers"]:
        mark = " (this server)" if server["this_server"] else ""
        click.echo(f"server {server['server_id']}{mark}: position {server['position']}, lag {server['lag']} "
                   f"change(s), {server['state']}, reported {server['seconds_ago']:.0f} s ago")


@index_group.command("check")
@with_appcontext
def check_command() -> None:
    """Report where index and database disagree (exit status 1 if they do), and each server's lag."""
    _echo_positions()
    report = services.check_index()
    if report.ok:
        click.echo("Index and database agree.")
        return
    _echo_disagreements(report)
    click.echo("Run `portal index update` to fix.")
    raise SystemExit(1)


@index_group.command("update")
@with_appcontext
def update_command() -> None:
    """Fix disagreements between index and database, article by article."""
    try:
        report = services.update_index()
    except IndexBusy as exc:
        raise click.ClickException(str(exc)) from exc
    if report.ok:
        click.echo("Index and database agree; nothing to do.")
        return
    _echo_disagreements(report)
    click.echo(f"Fixed {report.total} article(s).")


@index_group.command("follow")
@click.option("--once", is_flag=True, help="Catch up with the change log, then exit.")
@click.option("--rebuild", is_flag=True, help="Rebuild this server's index first, then follow.")
@with_appcontext
def follow_command(once: bool, rebuild: bool) -> None:
    """Apply other servers' changes to this server's index (portal serve does this in a thread)."""
    import signal
    import threading

    follower = services.get_follower()
    try:
        if rebuild:
            follower.rebuild()
        if once:
            if follower.position is None:
                follower.prepare()
            report = follower.catch_up()
            click.echo(f"Index at change {report.position} of {report.head}; {report.applied} article(s) applied.")
            return
    except IndexBusy as exc:
        raise click.ClickException(str(exc)) from exc
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_args: stop.set())
    click.echo(f"Following the change log as {follower.server_id}.", err=True)
    follower.run(stop)
