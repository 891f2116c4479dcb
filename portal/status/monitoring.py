"""Monitoring alerts in, incidents out: the generic webhook's logic.

A check that goes ``down`` opens an incident for it (or updates the open one
when the message changed); ``up`` resolves it. Repeating an alert changes
nothing, so monitoring may retry freely. Besides our own shape
``{"check", "state", "component", "message"}`` it reads Prometheus
Alertmanager's (``alerts[].status/labels/annotations``) and Uptime Kuma's
(``heartbeat.status``, ``monitor.name``, ``msg``) webhooks.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from portal import db
from portal.status import schemas, services
from portal.status.models import CLOSED_STATUSES, COMPONENT_STATUSES, MAJOR_OUTAGE, Incident
from portal.status.services import StatusError
from portal.validation import validate

DOWN_WORDS = {"down", "firing", "critical", "fail", "failed", "0", "false", "problem"}
UP_WORDS = {"up", "resolved", "ok", "recovered", "1", "true"}


@dataclass
class Alert:
    check: str
    down: bool
    component: str | None = None
    message: str = ""
    component_status: str = MAJOR_OUTAGE
    impact: str | None = None


def parse(payload) -> list[Alert]:
    """Alerts in a webhook body; raises InputError (wrong types, with the field
    path) or StatusError (a shape we cannot read)."""
    if not isinstance(payload, dict):
        raise StatusError(_("Send a JSON object."))
    if "alerts" in payload:  # Prometheus Alertmanager
        alerts = []
        for raw in validate(schemas.AlertmanagerPayload, payload).alerts:
            check = raw.labels.get("check") or raw.labels.get("alertname")
            if not check:
                continue
            alerts.append(Alert(check=check, down=raw.status != "resolved", component=raw.labels.get("component"),
                                message=raw.annotations.get("summary") or raw.annotations.get("description") or ""))
        if not alerts:
            raise StatusError(_("No alert has a name (labels.alertname)."))
        return alerts
    if "heartbeat" in payload:  # Uptime Kuma
        kuma = validate(schemas.KumaPayload, payload)
        monitor = kuma.monitor or schemas.KumaMonitor()
        check = monitor.name or kuma.check
        if not check:
            raise StatusError(_("The payload names no monitor."))
        return [Alert(check=check, down=str(kuma.heartbeat.status).lower() in DOWN_WORDS,
                      component=kuma.component or monitor.component,
                      message=kuma.msg or kuma.heartbeat.msg or "")]
    simple = validate(schemas.SimpleAlert, payload) if "check" in payload and "state" in payload else None
    state = str(simple.state).lower() if simple else ""
    if simple is None or not simple.check or state not in DOWN_WORDS | UP_WORDS:
        raise StatusError(_('Send {"check": NAME, "state": "down" or "up"} (optionally "component" and "message").'))
    component_status = simple.component_status or MAJOR_OUTAGE
    if component_status not in COMPONENT_STATUSES:
        raise StatusError(_("Unknown component status %(status)s.", status=component_status))
    return [Alert(check=str(simple.check), down=state in DOWN_WORDS, component=simple.component,
                  message=simple.message or "", component_status=component_status, impact=simple.impact)]


def _open_incident(key: str) -> Incident | None:
    return db.session.scalar(select(Incident).where(
        Incident.monitoring_key == key, Incident.status.not_in(CLOSED_STATUSES)).order_by(Incident.id.desc()))


def apply(alert: Alert, by=None) -> dict:
    """Open, update or resolve the check's incident; says what it did."""
    key = f"monitoring:{alert.check}"[:200]
    incident = _open_incident(key)
    components = {}
    if alert.component:
        component = services.find_component(alert.component)
        if component is None:
            raise StatusError(_("There is no component %(ref)s.", ref=alert.component))
        components = {component: alert.component_status}
    if alert.down:
        if incident is None:
            name = alert.message.splitlines()[0][:200] if alert.message else _("%(check)s is down", check=alert.check)
            incident = services.create_incident(
                name, impact=alert.impact, components=components,
                body=alert.message or _("Our monitoring reports a problem with %(check)s; we are investigating.",
                                        check=alert.check),
                by=by, monitoring_key=key)
            return {"check": alert.check, "action": "opened", "incident": incident.public_id}
        latest = incident.latest_update
        if alert.message and (latest is None or latest.body != alert.message):
            services.post_update(incident, incident.status, alert.message, components, by=by)
            return {"check": alert.check, "action": "updated", "incident": incident.public_id}
        return {"check": alert.check, "action": "unchanged", "incident": incident.public_id}
    if incident is None:
        return {"check": alert.check, "action": "unchanged", "incident": None}
    services.resolve(incident, alert.message or _("Our monitoring reports %(check)s is back to normal.",
                                                    check=alert.check), by=by)
    return {"check": alert.check, "action": "resolved", "incident": incident.public_id}
