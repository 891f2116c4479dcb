"""HTTP views of the status domain (thin: they call queries and services).

Public pages live on ``bp``: the pages people read once per language
(``/<lang>/status``, ``/<lang>/status/history``, ``/<lang>/status/incidents/<id>``,
with the language switcher), and language-neutral addresses (``/status...``)
that redirect to the language of the page the customer came from, else the
negotiated one; feeds, badge and widget stay language-neutral. The operators'
pages are on ``staff_bp`` in :mod:`portal.status.staff_views`.
"""
from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy import select

from portal import db
from portal.db import utcnow
from portal.i18n import arriving_locale
from portal.status import feeds, queries
from portal.cache.pages import cached_page
from portal.status.caching import conditional
from portal.status.display import HEADLINES, month_label
from portal.status.models import Component, OPERATIONAL
from portal.status.uptime import DAYS, uptime_bars

bp = Blueprint("status", __name__)

_BADGE_COLORS = {"none": "#0f7b3f", "minor": "#8a5a00", "major": "#b54708", "critical": "#b42318",
                 "maintenance": "#1f5fbf"}


def _visible(components: list[Component]) -> list[Component]:
    return [c for c in components if c.showcase and not (c.only_show_if_degraded and c.status == OPERATIONAL)]


def _in_language(endpoint: str, **values):
    """302 from a language-neutral address to the page in the customer's language."""
    target = url_for(endpoint, lang=arriving_locale(), **values)
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    response = redirect(target, code=302)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.update(("Accept-Language", "Cookie", "Referer"))
    return response


@bp.get("/status", endpoint="index_any_language")
def index_any_language():
    return _in_language("status.index")


@bp.get("/status/history", endpoint="history_any_language")
def history_any_language():
    return _in_language("status.history")


@bp.get("/status/incidents/<public_id>", endpoint="incident_any_language")
def incident_any_language(public_id: str):
    return _in_language("status.incident", public_id=public_id)


@bp.get("/<lang:lang>/status")
@cached_page(hourly=True)  # uptime bars end with the current hour
def index(lang: str):
    state = queries.current_state()
    groups, loose = queries.component_tree()
    sections = [(g, _visible(g.components)) for g in groups]
    sections = [(g, comps) for g, comps in sections if comps]
    shown = [c for _g, comps in sections for c in comps] + _visible(loose)
    recent = [i for i in queries.recent_incidents(limit=6, maintenance=False) if i.is_closed][:5]
    return render_template(
        "status/index.html", indicator=state.indicator, headline=HEADLINES[state.indicator],
        sections=sections, loose=_visible(loose), days=DAYS,
        uptime=queries.memoized(("uptime", state.token, str(get_locale()), utcnow().strftime("%Y%m%d%H")),
                                lambda: uptime_bars([c.id for c in shown])),
        active=queries.active_incidents(), upcoming=queries.upcoming_maintenance(), recent=recent,
        changed_at=state.changed_at,
    )


@bp.get("/<lang:lang>/status/history")
@cached_page()
def history(lang: str):
    months: "OrderedDict[str, list]" = OrderedDict()
    for incident in queries.recent_incidents(limit=500):
        moment = incident.scheduled_for if incident.is_maintenance and incident.scheduled_for else incident.created_at
        months.setdefault(month_label(moment), []).append(incident)
    return render_template("status/history.html", months=months)


@bp.get("/<lang:lang>/status/incidents/<public_id>")
@cached_page()
def incident(lang: str, public_id: str):
    found = queries.incident_by_public_id(public_id)
    if found is None:
        abort(404)
    timeline = sorted(found.updates, key=lambda u: (u.display_at, u.id), reverse=True)
    return render_template("status/incident.html", incident=found, timeline=timeline,
                           component_ids=[c.id for c in found.components])


@bp.get("/status/feed.atom")
@conditional(public=True)
def feed_atom():
    return feeds.response(feeds.incident_feed(), "atom")


@bp.get("/status/feed.rss")
@conditional(public=True)
def feed_rss():
    return feeds.response(feeds.incident_feed(), "rss")


@bp.get("/status/components/<public_id>/feed.<any(atom, rss):kind>")
@conditional(public=True)
def component_feed(public_id: str, kind: str):
    component = db.session.scalar(select(Component).where(Component.public_id == public_id))
    if component is None:
        abort(404)
    return feeds.response(feeds.incident_feed(component), kind)


@bp.get("/status/badge.svg")
@conditional(public=True)
def badge():
    state = queries.current_state()
    label = request.args.get("label", "status")[:30]
    message = str(HEADLINES[state.indicator]).lower()
    svg = render_template("status/badge.svg", label=label, message=message,
                          color=_BADGE_COLORS[state.indicator],
                          label_width=6 * len(label) + 12, message_width=6 * len(message) + 12)
    response = current_app.response_class(svg, mimetype="image/svg+xml")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/status/widget.js")
def widget():
    """The embeddable widget (a static file served at a stable address)."""
    path = Path(current_app.static_folder) / "js" / "status-widget.js"
    response = current_app.response_class(path.read_bytes(), mimetype="text/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    response.add_etag()
    response.make_conditional(request)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.app_template_global()
def status_widget_snippet() -> str:
    src = url_for("status.widget", _external=True)
    return f'<div data-portal-status></div>\n<script src="{src}" async></script>'
