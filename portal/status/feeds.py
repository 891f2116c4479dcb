"""Atom and RSS feeds of incidents and maintenance (feedgen), for all
components or one. Each entry is an incident with its whole timeline as HTML;
its ``updated`` time moves with every update, so feed readers show it again.
"""
from __future__ import annotations

from html import escape

from feedgen.feed import FeedGenerator
from flask_babel import gettext as _
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import db
from portal.db import utcnow
from portal.i18n import current_lang
from portal.outbox.links import external_url
from portal.status.localized import component_name, incident_name, update_body_html
from portal.status.display import status_label, status_time
from portal.status.models import Component, Incident, incident_components

FEED_SIZE = 50


def _incidents(component: Component | None) -> list[Incident]:
    query = (select(Incident).order_by(Incident.updated_at.desc(), Incident.id.desc()).limit(FEED_SIZE)
             .options(selectinload(Incident.updates), selectinload(Incident.components)))
    if component is not None:
        query = query.join(incident_components).where(incident_components.c.component_id == component.id)
    return list(db.session.scalars(query))


def _timeline_html(incident: Incident) -> str:
    parts = []
    if incident.postmortem_html:
        parts.append(f"<h3>{escape(status_label('postmortem'))}</h3>{incident.postmortem_html}")
    for update in incident.updates:
        parts.append(f"<p><strong>{escape(status_label(update.status))}</strong> · "
                     f"{escape(status_time(update.display_at))}</p>{update_body_html(update)}")
    if incident.components:
        names = ", ".join(escape(component_name(c)) for c in incident.components)
        parts.append(f"<p>{escape(str(_('Affected components')))}: {names}</p>")
    return "\n".join(parts)


def incident_feed(component: Component | None = None) -> FeedGenerator:
    site = current_app.config["SITE_NAME"]
    # links and entry ids on the public address: stable whatever host the reader used
    page_url = external_url("status.index_any_language")
    feed = FeedGenerator()
    if component is None:
        feed.id(page_url)
        feed.title(_("%(site)s status", site=site))
        self_endpoint = ("status.feed_atom", {})
    else:
        feed.id(f"{page_url}#component-{component.public_id}")
        feed.title(_("%(site)s status: %(component)s", site=site, component=component_name(component)))
        self_endpoint = ("status.component_feed", {"public_id": component.public_id, "kind": "atom"})
    feed.link(href=page_url, rel="alternate")
    feed.link(href=external_url(self_endpoint[0], **self_endpoint[1]), rel="self")
    feed.description(_("Incidents and scheduled maintenance of %(site)s", site=site))
    feed.language(current_lang())
    incidents = _incidents(component)
    feed.updated(max((i.updated_at for i in incidents), default=utcnow()))
    for incident in reversed(incidents):  # feedgen prepends: oldest first gives newest on top
        url = external_url("status.incident_any_language", public_id=incident.public_id)
        entry = feed.add_entry()
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(f"{incident_name(incident)} ({status_label(incident.status)})")
        entry.link(href=url)
        entry.published(incident.created_at)
        entry.updated(incident.updated_at)
        entry.content(_timeline_html(incident), type="html")
        entry.description(_timeline_html(incident))
    return feed


def response(feed: FeedGenerator, kind: str):
    if kind == "rss":
        body, mimetype = feed.rss_str(pretty=False), "application/rss+xml"
    else:
        body, mimetype = feed.atom_str(pretty=False), "application/atom+xml"
    resp = current_app.response_class(body, mimetype=mimetype)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp
