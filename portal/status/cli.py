"""``portal incident ...`` and ``portal component ...``: the status page from a
terminal or a script (thin wrappers over :mod:`portal.status.services`).

    portal incident create "Label printing fails" --impact major \\
        --component label-printing=partial_outage --message "We are looking into it."
    portal incident update ID --status identified --message "..."
    portal incident resolve ID --message "..."
    portal incident maintenance "Database upgrade" --start 2026-11-30T22:00 --end 2026-11-30T23:00 --component api
    portal component add "API" --group "Platform"; portal component set api major_outage
"""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.status import queries, services
from portal.status.display import parse_moment
from portal.status.models import COMPONENT_STATUSES, IMPACTS, INCIDENT_STATUSES, MAINTENANCE_STATUSES
from portal.status.services import StatusError


def _parse_components(values: tuple[str, ...], default_status: str = "major_outage") -> dict[str, str]:
    found = {}
    for value in values:
        code, _sep, status = value.partition("=")
        found[code.strip()] = (status or default_status).strip()
    return found


def _incident(ref: str):
    incident = queries.incident_by_public_id(ref)
    if incident is None:
        raise click.ClickException(f"there is no incident {ref} (see `portal incident list`)")
    return incident


def _fail(exc: Exception):
    raise click.ClickException(str(exc))


@click.group("incident")
def incident_group() -> None:
    """Open, update and resolve incidents; schedule maintenance."""


@incident_group.command("create")
@click.argument("name")
@click.option("--impact", type=click.Choice(IMPACTS), default=None, help="Default: from the component statuses.")
@click.option("--component", "components", multiple=True, metavar="CODE=STATUS",
              help=f"Affected component and its status ({', '.join(COMPONENT_STATUSES)}); repeatable.")
@click.option("--status", type=click.Choice(INCIDENT_STATUSES[:3]), default="investigating", show_default=True)
@click.option("--message", default="", help="The first update (markdown).")
@click.option("--notify/--no-notify", default=True, show_default=True, help="Tell subscribers.")
@with_appcontext
def create_command(name, impact, components, status, message, notify) -> None:
    """Open an incident; prints its id."""
    try:
        incident = services.create_incident(name, impact=impact, components=_parse_components(components),
                                            body=message, status=status, notify=notify, by="cli")
    except StatusError as exc:
        _fail(exc)
    click.echo(incident.public_id)


@incident_group.command("update")
@click.argument("incident_id")
@click.option("--status", type=click.Choice(INCIDENT_STATUSES + MAINTENANCE_STATUSES), default=None,
              help="Default: unchanged.")
@click.option("--message", default="", help="The update (markdown).")
@click.option("--component", "components", multiple=True, metavar="CODE=STATUS")
@click.option("--notify/--no-notify", default=True, show_default=True)
@with_appcontext
def update_command(incident_id, status, message, components, notify) -> None:
    """Post an update to an incident's timeline."""
    incident = _incident(incident_id)
    try:
        services.post_update(incident, status or incident.status, message, _parse_components(components),
                             notify=notify, by="cli")
    except StatusError as exc:
        _fail(exc)
    click.echo(f"{incident.public_id} {incident.status}")


@incident_group.command("resolve")
@click.argument("incident_id")
@click.option("--message", default="")
@click.option("--notify/--no-notify", default=True, show_default=True)
@with_appcontext
def resolve_command(incident_id, message, notify) -> None:
    """Resolve an incident (or complete maintenance); components go back to operational."""
    incident = _incident(incident_id)
    try:
        services.resolve(incident, message, notify=notify, by="cli")
    except StatusError as exc:
        _fail(exc)
    click.echo(f"{incident.public_id} {incident.status}")


@incident_group.command("postmortem")
@click.argument("incident_id")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@with_appcontext
def postmortem_command(incident_id, file) -> None:
    """Publish the postmortem of a resolved incident from a markdown FILE (- for stdin)."""
    try:
        services.add_postmortem(_incident(incident_id), file.read(), by="cli")
    except StatusError as exc:
        _fail(exc)
    click.echo("postmortem published")


@incident_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include resolved incidents and past maintenance.")
@with_appcontext
def list_command(show_all) -> None:
    """Open incidents and maintenance (id, status, impact, name)."""
    rows = queries.recent_incidents(limit=100) if show_all else \
        queries.active_incidents() + queries.upcoming_maintenance()
    if not rows:
        click.echo("no open incidents")
    for incident in rows:
        click.echo(f"{incident.public_id}  {incident.status:<13} {incident.impact:<12} {incident.name}")


@incident_group.command("maintenance")
@click.argument("name")
@click.option("--start", "start", required=True, help="ISO 8601; without an offset in TIMEZONE.")
@click.option("--end", "end", required=True)
@click.option("--component", "components", multiple=True, metavar="CODE")
@click.option("--message", default="")
@click.option("--manual", is_flag=True, help="Do not start and complete by itself.")
@click.option("--notify/--no-notify", default=True, show_default=True)
@with_appcontext
def maintenance_command(name, start, end, components, message, manual, notify) -> None:
    """Schedule a maintenance window; prints its id."""
    try:
        maintenance = services.schedule_maintenance(
            name, parse_moment(start), parse_moment(end), list(components), body=message,
            auto_start=not manual, auto_complete=not manual, notify=notify, by="cli")
    except ValueError as exc:
        _fail(exc)
    click.echo(maintenance.public_id)


@incident_group.command("tick")
@with_appcontext
def tick_command() -> None:
    """Start and complete maintenance windows that are due (the worker does this too)."""
    for maintenance, event in services.tick():
        click.echo(f"{maintenance.public_id} {event}: {maintenance.name}")


@click.group("component")
def component_group() -> None:
    """Add, list and set components."""


@component_group.command("add")
@click.argument("name")
@click.option("--code", default=None)
@click.option("--group", "group_name", default=None)
@click.option("--description", default=None)
@click.option("--position", type=int, default=100)
@with_appcontext
def component_add(name, code, group_name, description, position) -> None:
    """Add a component (and its group if new); prints its code."""
    try:
        group = services.get_or_create_group(group_name) if group_name else None
        component = services.create_component(name, code, group=group, description=description, position=position)
    except StatusError as exc:
        _fail(exc)
    click.echo(component.code)


@component_group.command("list")
@with_appcontext
def component_list() -> None:
    """Components in page order: code, status, group, name."""
    for component in queries.all_components():
        group = component.group.name if component.group else "-"
        click.echo(f"{component.code:<24} {component.status:<21} {group:<20} {component.name}")


@component_group.command("set")
@click.argument("code")
@click.argument("status", type=click.Choice(COMPONENT_STATUSES))
@with_appcontext
def component_set(code, status) -> None:
    """Set a component's status by hand (recorded in its uptime history)."""
    component = services.find_component(code)
    if component is None:
        raise click.ClickException(f"there is no component {code} (see `portal component list`)")
    services.set_component_status(component, status)
    click.echo(f"{component.code} {status}")

