"""The Statuspage-compatible public API (``/api/v2``), read-only and open to
any origin (CORS ``*``), so widgets and clients written for Atlassian
Statuspage read the portal unchanged.

The operators' JSON API (``ops_bp``, ``/api/v1/status``) lives in
:mod:`portal.status.ops_api`.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from portal.status import queries, statuspage
from portal.cache.pages import cached_page
from portal.status.models import IN_PROGRESS, SCHEDULED, VERIFYING

bp = Blueprint("status_api", __name__)


@bp.after_request
def _cors(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified"
    return response


def _page() -> dict:
    return statuspage.page(queries.current_state().changed_at)


def _components() -> list[dict]:
    groups, loose = queries.component_tree()
    return statuspage.components(groups, loose)


def _unresolved() -> list[dict]:
    return [statuspage.incident(i) for i in queries.active_incidents() if not i.is_maintenance]


def _maintenances(statuses) -> list[dict]:
    rows = [i for i in queries.recent_incidents(limit=500, maintenance=True) if i.status in statuses]
    rows.sort(key=lambda i: i.scheduled_for)
    return [statuspage.incident(i) for i in rows]


@bp.get("/summary.json")
@cached_page()  # the "status" scope: every cached page depends on it (status.init_app)
def summary():
    return jsonify({
        "page": _page(),
        "components": _components(),
        "incidents": _unresolved(),
        "scheduled_maintenances": _maintenances((SCHEDULED, IN_PROGRESS, VERIFYING)),
        "status": statuspage.status(queries.current_state().indicator),
    })


@bp.get("/status.json")
@cached_page()  # the "status" scope: every cached page depends on it (status.init_app)
def status():
    return jsonify({"page": _page(), "status": statuspage.status(queries.current_state().indicator)})


@bp.get("/components.json")
@cached_page()  # the "status" scope: every cached page depends on it (status.init_app)
def components():
    return jsonify({"page": _page(), "components": _components()})


@bp.get("/incidents.json")
@cached_page()  # the "status" scope: every cached page depends on it (status.init_app)
def incidents():
    rows = queries.recent_incidents(limit=50, maintenance=False)
    return jsonify({"page": _page(), "incidents": [statuspage.incident(i) for i in rows]})


@bp.get("/incidents/unresolved.json")
@cached_page()  # the "status" scope: every cached page depends on it (status.init_app)
def incidents_unresolved():
    return jsonify({"page": _page(), "incidents": _unresolved()})


@bp.get("/scheduled-maintenances.json")
@cached_page()  # the "status" scope: every cached page depends on it (status.init_app)
def maintenances():
    rows = queries.recent_incidents(limit=50, maintenance=True)
    return jsonify({"page": _page(), "scheduled_maintenances": [statuspage.incident(i) for i in rows]})


@bp.get("/scheduled-maintenances/upcoming.json")
@cached_page()  # the "status" scope: every cached page depends on it (status.init_app)
def maintenances_upcoming():
    return jsonify({"page": _page(), "scheduled_maintenances": _maintenances((SCHEDULED,))})


@bp.get("/scheduled-maintenances/active.json")
@cached_page()  # the "status" scope: every cached page depends on it (status.init_app)
def maintenances_active():
    return jsonify({"page": _page(), "scheduled_maintenances": _maintenances((IN_PROGRESS, VERIFYING))})
