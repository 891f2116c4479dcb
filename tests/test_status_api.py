"""The Statuspage-compatible API, freshness (ETag/304), the operator API and the monitoring webhook."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from portal.status import services

UTC = timezone.utc

# Atlassian Statuspage's documented field names (api/v2).
PAGE_FIELDS = {"id", "name", "url", "time_zone", "updated_at"}
COMPONENT_FIELDS = {"id", "name", "status", "created_at", "updated_at", "position", "description", "showcase",
                    "start_date", "group_id", "page_id", "group", "only_show_if_degraded"}
INCIDENT_FIELDS = {"id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at", "impact",
                   "shortlink", "started_at", "page_id", "incident_updates", "components"}
UPDATE_FIELDS = {"id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
                 "affected_components"}
INDICATORS = {"none", "minor", "major", "critical", "maintenance"}
COMPONENT_STATUSES = {"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"}


@pytest.fixture
def seeded(app):
    with app.app_context():
        group = services.create_group("Shipping", position=1)
        labels = services.create_component("Label printing", "labels", group=group, description="Labels")
        services.create_component("DHL", "dhl", group=group, position=2)
        services.create_component("API", "api", position=5)
        incident = services.create_incident("Labels fail", impact="major", components={"labels": "partial_outage"},
                                            body="Investigating **now**")
        start = datetime.now(UTC) + timedelta(days=2)
        maintenance = services.schedule_maintenance("Upgrade", start, start + timedelta(hours=1), ["dhl"],
                                                    body="Short downtime")
        return {"incident": incident.public_id, "maintenance": maintenance.public_id,
                "labels": labels.public_id, "group": group.public_id}


def _iso(value):
    assert isinstance(value, str)
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None
    return parsed


def test_summary_matches_statuspage_field_names_and_values(client, seeded):
    response = client.get("/api/v2/summary.json")
    assert response.status_code == 200 and response.is_json
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.json
    assert set(data) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert set(data["page"]) == PAGE_FIELDS and data["page"]["time_zone"] == "Europe/Amsterdam"
    _iso(data["page"]["updated_at"])
    assert data["status"] == {"indicator": "major", "description": "Partial System Outage"}
    for component in data["components"]:
        assert COMPONENT_FIELDS <= set(component)
        assert component["status"] in COMPONENT_STATUSES
        _iso(component["created_at"])
    group = next(c for c in data["components"] if c["group"])
    assert group["id"] == seeded["group"] and len(group["components"]) == 2
    labels = next(c for c in data["components"] if c["id"] == seeded["labels"])
    assert labels["group_id"] == seeded["group"] and labels["status"] == "partial_outage"
    [incident] = data["incidents"]
    assert INCIDENT_FIELDS <= set(incident)
    assert incident["id"] == seeded["incident"] and incident["impact"] == "major"
    assert incident["status"] == "investigating" and incident["resolved_at"] is None
    assert incident["shortlink"].endswith(f"/status/incidents/{seeded['incident']}")
    [update] = incident["incident_updates"]
    assert UPDATE_FIELDS <= set(update) and update["incident_id"] == seeded["incident"]
    assert update["affected_components"] == [{"code": seeded["labels"], "name": "Label printing",
                                              "old_status": "operational", "new_status": "partial_outage"}]
    [maintenance] = data["scheduled_maintenances"]
    assert maintenance["impact"] == "maintenance" and maintenance["status"] == "scheduled"
    assert _iso(maintenance["scheduled_until"]) > _iso(maintenance["scheduled_for"])


@pytest.mark.parametrize("path, key", [
    ("/api/v2/status.json", "status"),
    ("/api/v2/components.json", "components"),
    ("/api/v2/incidents.json", "incidents"),
    ("/api/v2/incidents/unresolved.json", "incidents"),
    ("/api/v2/scheduled-maintenances.json", "scheduled_maintenances"),
    ("/api/v2/scheduled-maintenances/upcoming.json", "scheduled_maintenances"),
    ("/api/v2/scheduled-maintenances/active.json", "scheduled_maintenances"),
])
def test_every_v2_endpoint_has_page_and_its_list(client, seeded, path, key):
    response = client.get(path)
    assert response.status_code == 200
    assert set(response.json) == {"page", key}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_status_values_follow_the_incident_lifecycle(app, client, seeded):
    assert client.get("/api/v2/incidents/unresolved.json").json["incidents"][0]["id"] == seeded["incident"]
    with app.app_context():
        from portal.status import queries

        services.resolve(queries.incident_by_public_id(seeded["incident"]))
    assert client.get("/api/v2/incidents/unresolved.json").json["incidents"] == []
    resolved = client.get("/api/v2/incidents.json").json["incidents"][0]
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    assert client.get("/api/v2/status.json").json["status"]["indicator"] == "none"
    assert client.get("/api/v2/scheduled-maintenances/upcoming.json").json["scheduled_maintenances"]
    assert client.get("/api/v2/scheduled-maintenances/active.json").json["scheduled_maintenances"] == []


def test_etag_304_and_a_posted_update_shows_at_once(app, client, seeded):
    first = client.get("/api/v2/summary.json")
    etag = first.headers["ETag"]
    # kept by browsers and proxies, but revalidated before every use
    assert first.headers["Last-Modified"] and "must-revalidate" in first.headers["Cache-Control"]
    assert "max-age=0" in first.headers["Cache-Control"]
    again = client.get("/api/v2/summary.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    page = client.get("/en/status")
    assert client.get("/en/status", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304
    with app.app_context():
        from portal.status import queries

        services.post_update(queries.incident_by_public_id(seeded["incident"]), "identified", "Found the cause")
    fresh = client.get("/api/v2/summary.json", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.json["incidents"][0]["incident_updates"][0]["body"] == "Found the cause"
    page_after = client.get("/en/status", headers={"If-None-Match": page.headers["ETag"]})
    assert page_after.status_code == 200 and b"Found the cause" in page_after.data


# --- operator API ----------------------------------------------------------------

@pytest.fixture
def operator_token(app, staff):
    user = staff("operator")
    with app.app_context():
        from portal.auth import services as auth_services
        from portal.auth.models import User

        from portal import db

        return auth_services.create_api_token(db.session.get(User, user.id), "ci")


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_operator_api_needs_an_operator_token(app, client, staff, seeded):
    assert client.post("/api/v1/status/incidents", json={"name": "x"}).status_code == 401
    assert client.post("/api/v1/status/incidents", json={"name": "x"},
                       headers=_auth("ptk_wrong")).status_code == 401
    writer = staff("writer")
    with app.app_context():
        from portal.auth import services as auth_services
        from portal.auth.models import User

        from portal import db

        token = auth_services.create_api_token(db.session.get(User, writer.id), "w")
    response = client.post("/api/v1/status/incidents", json={"name": "x"}, headers=_auth(token))
    assert response.status_code == 403 and response.is_json


def test_operator_api_round_trip(client, operator_token, seeded):
    headers = _auth(operator_token)
    created = client.post("/api/v1/status/incidents", headers=headers, json={
        "incident": {"name": "API slow", "status": "investigating", "body": "Looking",
                     "components": {"api": "degraded_performance"}, "deliver_notifications": False}})
    assert created.status_code == 201, created.json
    incident_id = created.json["id"]
    assert created.json["impact"] == "minor"
    assert created.json["incident_updates"][0]["deliver_notifications"] is False
    update = client.post(f"/api/v1/status/incidents/{incident_id}/updates", headers=headers,
                         json={"status": "identified", "body": "Cache node down"})
    assert update.status_code == 201 and update.json["status"] == "identified"
    patched = client.patch(f"/api/v1/status/incidents/{incident_id}", headers=headers,
                           json={"status": "resolved", "body": "Fixed"})
    assert patched.status_code == 200 and patched.json["status"] == "resolved"
    assert [u["status"] for u in patched.json["incident_updates"]] == ["resolved", "identified", "investigating"]
    components = client.get("/api/v1/status/components", headers=headers).json["components"]
    assert next(c for c in components if c["name"] == "API")["status"] == "operational"
    assert client.patch("/api/v1/status/components/api", headers=headers,
                        json={"status": "major_outage"}).json["status"] == "major_outage"
    maintenance = client.post("/api/v1/status/maintenance", headers=headers, json={
        "name": "DB", "scheduled_for": "2030-01-01T22:00:00+01:00", "scheduled_until": "2030-01-01T23:00",
        "components": ["api"]})
    assert maintenance.status_code == 201 and maintenance.json["scheduled_until"].startswith("2030-01-01T23:00")


@pytest.mark.parametrize("payload, message", [
    ({"name": ""}, "name"),
    ({"name": "x", "impact": "huge"}, "impact"),
    ({"name": "x", "components": {"nope": "major_outage"}}, "no component"),
])
def test_operator_api_rejects_bad_input_with_400(client, operator_token, seeded, payload, message):
    response = client.post("/api/v1/status/incidents", headers=_auth(operator_token), json=payload)
    assert response.status_code == 400 and message in response.json["error"]["message"]
    assert client.post("/api/v1/status/incidents", headers=_auth(operator_token), data="nope").status_code == 400
    assert client.patch("/api/v1/status/incidents/unknown", headers=_auth(operator_token),
                        json={"status": "resolved"}).status_code == 404


# --- monitoring webhook ----------------------------------------------------------

def test_monitoring_webhook_opens_updates_and_resolves_idempotently(make_app, seeded):
    app = make_app(STATUS_WEBHOOK_TOKEN="s3cret")
    client = app.test_client()
    url = "/api/v1/status/webhook/monitoring"
    down = {"check": "api-http", "state": "down", "component": "api", "message": "HTTP 502 from /health"}
    assert client.post(url, json=down).status_code == 401
    assert client.post(url + "?token=wrong", json=down).status_code == 401
    first = client.post(url, json=down, headers=_auth("s3cret"))
    assert first.status_code == 200 and first.json["results"][0]["action"] == "opened"
    incident_id = first.json["results"][0]["incident"]
    again = client.post(url + "?token=s3cret", json=down)
    assert again.json["results"][0] == {"check": "api-http", "action": "unchanged", "incident": incident_id}
    changed = client.post(url, json={**down, "message": "HTTP 504"}, headers=_auth("s3cret"))
    assert changed.json["results"][0]["action"] == "updated"
    unresolved = client.get("/api/v2/incidents/unresolved.json").json["incidents"]
    assert [i["id"] for i in unresolved if i["id"] == incident_id] == [incident_id]
    assert client.get("/api/v2/components.json").json["components"][-1]["status"] == "major_outage"
    up = {"check": "api-http", "state": "up"}
    assert client.post(url, json=up, headers=_auth("s3cret")).json["results"][0]["action"] == "resolved"
    assert client.post(url, json=up, headers=_auth("s3cret")).json["results"][0]["action"] == "unchanged"
    assert incident_id not in [i["id"] for i in client.get("/api/v2/incidents/unresolved.json").json["incidents"]]
    bad = client.post(url, json={"check": "x", "state": "sideways"}, headers=_auth("s3cret"))
    assert bad.status_code == 400


def test_monitoring_webhook_reads_alertmanager_and_uptime_kuma(client, operator_token, seeded):
    url = "/api/v1/status/webhook/monitoring"
    firing = {"alerts": [{"status": "firing", "labels": {"alertname": "DHLDown", "component": "dhl"},
                          "annotations": {"summary": "DHL API errors"}}]}
    result = client.post(url, json=firing, headers=_auth(operator_token)).json["results"][0]
    assert result["action"] == "opened"
    firing["alerts"][0]["status"] = "resolved"
    assert client.post(url, json=firing, headers=_auth(operator_token)).json["results"][0]["action"] == "resolved"
    kuma_down = {"heartbeat": {"status": 0, "msg": "timeout"}, "monitor": {"name": "Shop"}, "msg": "Shop is down"}
    assert client.post(url, json=kuma_down, headers=_auth(operator_token)).json["results"][0]["action"] == "opened"
    kuma_up = {"heartbeat": {"status": 1}, "monitor": {"name": "Shop"}, "msg": "Shop is up"}
    assert client.post(url, json=kuma_up, headers=_auth(operator_token)).json["results"][0]["action"] == "resolved"
