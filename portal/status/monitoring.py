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
from portal.status import services
from portal.status.models import CLOSED_STATUSES, COMPONENT_STATUSES, MAJOR_OUTAGE, Incident
from portal.status.services import StatusError

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
    """Alerts in a webhook body; raises StatusError for a shape we cannot read."""
    if not isinstance(payload, dict):
        raise StatusError(_("Send a JSON object."))
    if isinstance(payload.get("alerts"), list):  # Prometheus Alertmanager
        alerts = []
        for raw in payload["alerts"]:
            labels = raw.get("labels") or {}
            notes = raw.get("annotations") or {}
            check = labels.get("check") or labels.get("alertname")
            if not check:
                continue
            alerts.append(Alert(check=str(check), down=str(raw.get("status", "firing")) != "resolved",
                                component=labels.get("component"),
                                message=str(notes.get("summary") or notes.get("description") or "")))
        if not alerts:
            raise StatusError(_("No alert has a name (labels.alertname)."))
        return alerts
    if isinstance(payload.get("heartbeat"), dict):  # Uptime Kuma
        monitor = payload.get("monitor") or {}
        check = monitor.get("name") or payload.get("check")
        if not check:
            raise StatusError(_("The payload names no monitor."))
        return [Alert(check=str(check), down=str(payload["heartbeat"].get("status")) in DOWN_WORDS,
                      component=payload.get("component") or monitor.get("component"),
                      message=str(payload.get("msg") or payload["heartbeat"].get("msg") or ""))]
    check, state = payload.get("check"), str(payload.get("state", "")).lower()
    if not check or state not in DOWN_WORDS | UP_WORDS:
        raise StatusError(_('Send {"check": NAME, "state": "down" or "up"} (optionally "component" and "message").'))
    component_status = payload.get("component_status") or MAJOR_OUTAGE
    if component_status not in COMPONENT_STATUSES:
        raise StatusError(_("Unknown component status %(status)s.", status=component_status))
    return [Alert(check=str(check), down=state in DOWN_WORDS, component=payload.get("component"),
                  message=str(payload.get("message") or ""), component_status=component_status,
                  impact=payload.get("impact"))]


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
