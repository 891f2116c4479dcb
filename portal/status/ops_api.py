"""The operators' JSON API (``/api/v1/status``): incidents, updates,
components and maintenance from scripts, chat bots and monitoring.

Authentication: a per-user API token (``Authorization: Bearer ptk_...``) of an
operator or admin, or a signed-in session (then with a CSRF token). The
monitoring webhook also accepts the shared ``STATUS_WEBHOOK_TOKEN`` so a
monitoring tool needs no user account. Request bodies may use Statuspage's
names (``{"incident": {...}}``, ``body``, ``deliver_notifications``,
``components: {id: status}``). Responses use the ``/api/v2`` shapes.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _

from portal.auth.decorators import api_auth_required
from portal.extensions import csrf
from portal.status import monitoring, queries, services, statuspage
from portal.status import schemas as sch
from portal.status.display import parse_moment
from portal.status.services import StatusError
from portal.validation import json_body, json_object, query_args

ops_bp = Blueprint("status_ops", __name__)
# Every body is read through one model of portal.status.schemas (see portal.openapi).
csrf.exempt(ops_bp)

operator_required = api_auth_required("operator")


def _error(code: int, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = code
    return response


@ops_bp.errorhandler(StatusError)
def _bad_input(err: StatusError):
    return _error(400, str(err))


def _incident_or_404(public_id: str):
    incident = queries.incident_by_public_id(public_id)
    if incident is None:
        return None, _error(404, _("There is no incident %(id)s.", id=public_id))
    return incident, None


@ops_bp.post("/incidents")
@operator_required
def create_incident():
    data = json_body(sch.IncidentCreate, "incident")
    incident = services.create_incident(
        data.name, impact=data.impact or data.impact_override, components=data.components or {},
        body=data.text, status=data.status or "investigating", notify=data.wants_notify, by=g.api_user,
        language=data.language, names=data.names, bodies=data.bodies)
    return jsonify(statuspage.incident(incident)), 201


@ops_bp.get("/incidents")
@operator_required
def list_incidents():
    rows = queries.recent_incidents(limit=min(query_args(sch.IncidentListQuery).limit, 500))
    return jsonify({"incidents": [statuspage.incident(i) for i in rows]})


@ops_bp.patch("/incidents/<public_id>")
@operator_required
def patch_incident(public_id: str):
    incident, missing = _incident_or_404(public_id)
    if missing:
        return missing
    data = json_body(sch.IncidentPatch, "incident")
    if data.name or data.impact or data.names is not None:
        services.edit_incident(incident, name=data.name or None, impact=data.impact or None, names=data.names)
    if data.status or data.text or data.components:
        services.post_update(incident, data.status or incident.status, data.text, data.components or {},
                             notify=data.wants_notify, by=g.api_user, bodies=data.bodies)
    if data.postmortem:
        services.add_postmortem(incident, data.postmortem, by=g.api_user)
    return jsonify(statuspage.incident(incident))


@ops_bp.post("/incidents/<public_id>/updates")
@operator_required
def post_update(public_id: str):
    incident, missing = _incident_or_404(public_id)
    if missing:
        return missing
    data = json_body(sch.UpdateCreate, "incident_update")
    update = services.post_update(incident, data.status or incident.status, data.text, data.components or {},
                                  notify=data.wants_notify, by=g.api_user, bodies=data.bodies)
    return jsonify(statuspage.incident_update(update, incident)), 201


@ops_bp.post("/incidents/<public_id>/postmortem")
@operator_required
def postmortem(public_id: str):
    incident, missing = _incident_or_404(public_id)
    if missing:
        return missing
    data = json_body(sch.PostmortemCreate)
    services.add_postmortem(incident, data.body, by=g.api_user, notify=data.notify)
    return jsonify(statuspage.incident(incident))


@ops_bp.get("/components")
@operator_required
def list_components():
    groups, loose = queries.component_tree()
    return jsonify({"components": statuspage.components(groups, loose)})


@ops_bp.post("/components")
@operator_required
def create_component():
    data = json_body(sch.ComponentCreate, "component")
    group = services.get_or_create_group(data.group) if data.group else None
    component = services.create_component(
        data.name, data.code, group=group, description=data.description, position=data.position,
        showcase=data.showcase, only_show_if_degraded=data.only_show_if_degraded,
        status=data.status or "operational")
    if data.names or data.descriptions:
        services.update_component(component, name_translations=data.names or {},
                                  description_translations=data.descriptions or {})
    return jsonify(statuspage.component(component)), 201


@ops_bp.patch("/components/<ref>")
@operator_required
def patch_component(ref: str):
    component = services.find_component(ref)
    if component is None:
        return _error(404, _("There is no component %(ref)s.", ref=ref))
    data = json_body(sch.ComponentPatch, "component")
    # Only what was sent changes; null clears the description and means "unchanged" elsewhere.
    fields = {k: getattr(data, k) for k in ("name", "description", "position", "showcase", "only_show_if_degraded")
              if k in data.model_fields_set and (k == "description" or getattr(data, k) is not None)}
    for source, target in (("names", "name_translations"), ("descriptions", "description_translations")):
        if getattr(data, source) is not None:
            fields[target] = getattr(data, source)
    if fields:
        services.update_component(component, **fields)
    if data.status:
        services.set_component_status(component, data.status)
    return jsonify(statuspage.component(component))


@ops_bp.post("/maintenance")
@operator_required
def schedule_maintenance():
    data = json_body(sch.MaintenanceCreate, "incident")
    try:
        starts = parse_moment(data.scheduled_for)
        ends = parse_moment(data.scheduled_until)
    except ValueError as exc:
        raise StatusError(str(exc)) from exc
    components = list(data.components or [])  # Statuspage sends {id: status}: the ids
    maintenance = services.schedule_maintenance(
        data.name, starts, ends, components, body=data.text,
        auto_start=_first(data.auto_start, data.auto_transition_to_maintenance_state, default=True),
        auto_complete=_first(data.auto_complete, data.auto_transition_to_operational_state, default=True),
        notify=data.wants_notify, by=g.api_user, language=data.language, names=data.names, bodies=data.bodies)
    return jsonify(statuspage.incident(maintenance)), 201


def _first(*values, default: bool) -> bool:
    return next((v for v in values if v is not None), default)


def _shared_token_ok() -> bool:
    expected = current_app.config.get("STATUS_WEBHOOK_TOKEN")
    if not expected:
        return False
    header = request.headers.get("Authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else request.args.get("token", "")
    return hmac.compare_digest(given.encode(), str(expected).encode())


def _monitoring_webhook():
    alerts = monitoring.parse(json_object()[0])
    by = getattr(g, "api_user", None) or "monitoring"
    return jsonify({"results": [monitoring.apply(alert, by=by) for alert in alerts]})


@ops_bp.post("/webhook/monitoring")
def monitoring_webhook():
    """Monitoring opens and resolves incidents; idempotent, safe to retry."""
    if _shared_token_ok():
        return _monitoring_webhook()
    return operator_required(_monitoring_webhook)()
