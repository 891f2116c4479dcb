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
from portal.status.display import parse_moment
from portal.status.services import StatusError

ops_bp = Blueprint("status_ops", __name__)
csrf.exempt(ops_bp)

operator_required = api_auth_required("operator")


def _error(code: int, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = code
    return response


@ops_bp.errorhandler(StatusError)
def _bad_input(err: StatusError):
    return _error(400, str(err))


def _payload(wrapper: str | None = None) -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise StatusError(_("Send a JSON object with Content-Type: application/json."))
    if wrapper and isinstance(data.get(wrapper), dict):
        data = data[wrapper]
    return data


def _int(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise StatusError(_("%(name)s must be a whole number.", name=name)) from None


def _notify(data: dict) -> bool:
    value = data.get("notify", data.get("deliver_notifications", True))
    return value not in (False, "false", "0", 0, "no")


def _incident_or_404(public_id: str):
    incident = queries.incident_by_public_id(public_id)
    if incident is None:
        return None, _error(404, _("There is no incident %(id)s.", id=public_id))
    return incident, None


@ops_bp.post("/incidents")
@operator_required
def create_incident():
    data = _payload("incident")
    incident = services.create_incident(
        data.get("name", ""), impact=data.get("impact") or data.get("impact_override"),
        components=data.get("components") or {}, body=data.get("body") or data.get("message") or "",
        status=data.get("status") or "investigating", notify=_notify(data), by=g.api_user)
    return jsonify(statuspage.incident(incident)), 201


@ops_bp.get("/incidents")
@operator_required
def list_incidents():
    rows = queries.recent_incidents(limit=min(_int(request.args.get("limit", 50), "limit"), 500))
    return jsonify({"incidents": [statuspage.incident(i) for i in rows]})


@ops_bp.patch("/incidents/<public_id>")
@operator_required
def patch_incident(public_id: str):
    incident, missing = _incident_or_404(public_id)
    if missing:
        return missing
    data = _payload("incident")
    if data.get("name") or data.get("impact"):
        services.edit_incident(incident, name=data.get("name"), impact=data.get("impact"))
    if data.get("status") or data.get("body") or data.get("message") or data.get("components"):
        services.post_update(incident, data.get("status") or incident.status,
                             data.get("body") or data.get("message") or "",
                             data.get("components") or {}, notify=_notify(data), by=g.api_user)
    if data.get("postmortem"):
        services.add_postmortem(incident, data["postmortem"], by=g.api_user)
    return jsonify(statuspage.incident(incident))


@ops_bp.post("/incidents/<public_id>/updates")
@operator_required
def post_update(public_id: str):
    incident, missing = _incident_or_404(public_id)
    if missing:
        return missing
    data = _payload("incident_update")
    update = services.post_update(incident, data.get("status") or incident.status,
                                  data.get("body") or data.get("message") or "",
                                  data.get("components") or {}, notify=_notify(data), by=g.api_user)
    return jsonify(statuspage.incident_update(update, incident)), 201


@ops_bp.post("/incidents/<public_id>/postmortem")
@operator_required
def postmortem(public_id: str):
    incident, missing = _incident_or_404(public_id)
    if missing:
        return missing
    data = _payload()
    services.add_postmortem(incident, data.get("body") or "", by=g.api_user, notify=_notify(data) if "notify" in data else False)
    return jsonify(statuspage.incident(incident))


@ops_bp.get("/components")
@operator_required
def list_components():
    groups, loose = queries.component_tree()
    return jsonify({"components": statuspage.components(groups, loose)})


@ops_bp.post("/components")
@operator_required
def create_component():
    data = _payload("component")
    group = services.get_or_create_group(data["group"]) if data.get("group") else None
    component = services.create_component(
        data.get("name", ""), data.get("code"), group=group, description=data.get("description"),
        position=_int(data.get("position", 100), "position"), showcase=bool(data.get("showcase", True)),
        only_show_if_degraded=bool(data.get("only_show_if_degraded", False)),
        status=data.get("status") or "operational")
    return jsonify(statuspage.component(component)), 201


@ops_bp.patch("/components/<ref>")
@operator_required
def patch_component(ref: str):
    component = services.find_component(ref)
    if component is None:
        return _error(404, _("There is no component %(ref)s.", ref=ref))
    data = _payload("component")
    fields = {k: data[k] for k in ("name", "description", "showcase", "only_show_if_degraded") if k in data}
    if "position" in data:
        fields["position"] = _int(data["position"], "position")
    if fields:
        services.update_component(component, **fields)
    if data.get("status"):
        services.set_component_status(component, data["status"])
    return jsonify(statuspage.component(component))


@ops_bp.post("/maintenance")
@operator_required
def schedule_maintenance():
    data = _payload("incident")
    try:
        starts = parse_moment(data.get("scheduled_for"))
        ends = parse_moment(data.get("scheduled_until"))
    except ValueError as exc:
        raise StatusError(str(exc)) from exc
    components = data.get("components") or []
    if isinstance(components, dict):  # Statuspage sends {id: status}
        components = list(components)
    maintenance = services.schedule_maintenance(
        data.get("name", ""), starts, ends, components, body=data.get("body") or data.get("message") or "",
        auto_start=bool(data.get("auto_start", data.get("auto_transition_to_maintenance_state", True))),
        auto_complete=bool(data.get("auto_complete", data.get("auto_transition_to_operational_state", True))),
        notify=_notify(data), by=g.api_user)
    return jsonify(statuspage.incident(maintenance)), 201


def _shared_token_ok() -> bool:
    expected = current_app.config.get("STATUS_WEBHOOK_TOKEN")
    if not expected:
        return False
    header = request.headers.get("Authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else request.args.get("token", "")
    return hmac.compare_digest(given.encode(), str(expected).encode())


def _monitoring_webhook():
    alerts = monitoring.parse(request.get_json(silent=True))
    by = getattr(g, "api_user", None) or "monitoring"
    return jsonify({"results": [monitoring.apply(alert, by=by) for alert in alerts]})


@ops_bp.post("/webhook/monitoring")
def monitoring_webhook():
    """Monitoring opens and resolves incidents; idempotent, safe to retry."""
    if _shared_token_ok():
        return _monitoring_webhook()
    return operator_required(_monitoring_webhook)()
