"""Our models in Atlassian Statuspage's public API shape (``/api/v2``).

Field names and values follow Statuspage's documented JSON so that existing
widgets, bots and monitoring dashboards read the portal unchanged. Times are
ISO 8601 in the page's time zone with the offset, as Statuspage writes them.
"""
from __future__ import annotations

import hashlib

from flask import current_app

from portal.status.clock import configured_timezone
from portal.outbox.links import external_url
from portal.status import localized
from portal.status.display import STATUSPAGE_DESCRIPTIONS, iso_local
from portal.status.models import Component, ComponentGroup, Incident, IncidentUpdate, worst_status


def page_id() -> str:
    """A stable id for this page: derived from the site's URL, 12 characters."""
    return hashlib.sha256(current_app.config["SITE_URL"].encode()).hexdigest()[:12]


def page(changed_at) -> dict:
    return {
        "id": page_id(),
        "name": current_app.config["SITE_NAME"],
        "url": external_url("status.index_any_language"),
        "time_zone": configured_timezone().key,
        "updated_at": iso_local(changed_at) or None,
    }


def status(indicator: str) -> dict:
    return {"indicator": indicator, "description": STATUSPAGE_DESCRIPTIONS[indicator]}


def api_lang() -> str:
    """The language of names and bodies: ``?lang=nl``, else the negotiated one
    (``Accept-Language``); an incident falls back to its first language."""
    from flask import has_request_context, request

    from portal.config import SUPPORTED_LOCALES

    if has_request_context() and request.args.get("lang") in SUPPORTED_LOCALES:
        return request.args["lang"]
    return localized.reader_lang()


def component(item: Component) -> dict:
    return {
        "id": item.public_id,
        "name": localized.component_name(item, api_lang()),
        "status": item.status,
        "created_at": iso_local(item.created_at),
        "updated_at": iso_local(item.updated_at),
        "position": item.position,
        "description": localized.component_description(item, api_lang()),
        "showcase": item.showcase,
        "start_date": None,
        "group_id": item.group.public_id if item.group else None,
        "page_id": page_id(),
        "group": False,
        "only_show_if_degraded": item.only_show_if_degraded,
    }


def group(item: ComponentGroup, members: list[Component]) -> dict:
    """A group is a component with ``group: true`` and the ids of its members."""
    worst = worst_status(m.status for m in members)
    return {
        "id": item.public_id,
        "name": item.name,
        "status": worst,
        "created_at": iso_local(item.created_at),
        "updated_at": iso_local(max([item.updated_at] + [m.updated_at for m in members])),
        "position": item.position,
        "description": item.description,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": page_id(),
        "group": True,
        "only_show_if_degraded": False,
        "components": [m.public_id for m in members],
    }


def components(groups: list[ComponentGroup], loose: list[Component]) -> list[dict]:
    """Groups and components in page order, as Statuspage lists them."""
    entries = []
    for g in groups:
        members = list(g.components)
        entries.append((g.position, 0, group(g, members)))
        entries.extend((g.position, 1 + i, component(m)) for i, m in enumerate(members))
    entries.extend((c.position, 0, component(c)) for c in loose)
    entries.sort(key=lambda e: (e[0], e[1]))
    return [e[2] for e in entries]


def incident_update(update: IncidentUpdate, incident: Incident) -> dict:
    return {
        "id": update.public_id,
        "status": update.status,
        "body": localized.update_body(update, api_lang()),
        "incident_id": incident.public_id,
        "created_at": iso_local(update.created_at),
        "updated_at": iso_local(update.updated_at),
        "display_at": iso_local(update.display_at),
        "affected_components": update.affected_components or None,
        "deliver_notifications": update.deliver_notifications,
        "custom_tweet": None,
        "tweet_id": None,
    }


def incident(item: Incident) -> dict:
    data = {
        "id": item.public_id,
        "name": localized.incident_name(item, api_lang()),
        "status": item.status,
        "created_at": iso_local(item.created_at),
        "updated_at": iso_local(item.updated_at),
        "monitoring_at": iso_local(item.monitoring_at) or None,
        "resolved_at": iso_local(item.resolved_at) or None,
        "impact": item.impact,
        "shortlink": external_url("status.incident_any_language", public_id=item.public_id),
        "started_at": iso_local(item.started_at or item.created_at),
        "page_id": page_id(),
        "incident_updates": [incident_update(u, item) for u in item.updates],
        "components": [component(c) for c in item.components],
    }
    if item.is_maintenance:
        data["scheduled_for"] = iso_local(item.scheduled_for) or None
        data["scheduled_until"] = iso_local(item.scheduled_until) or None
    if item.postmortem_html:
        data["postmortem_body"] = item.postmortem_body
        data["postmortem_published_at"] = iso_local(item.postmortem_published_at) or None
    return data
