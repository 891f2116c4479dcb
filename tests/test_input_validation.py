"""Wrong types and out-of-range values get a 400 with the field path, never a
500: the inputs the hostile test of issue 10 found, one by one."""
from __future__ import annotations

import pytest

from portal.status import services

HUGE = "99999999999999999999999"


@pytest.fixture
def token(app, staff):
    from portal import db
    from portal.auth import services as auth_services
    from portal.auth.models import User

    user = staff("operator")
    with app.app_context():
        services.create_component("API", "api")
        return auth_services.create_api_token(db.session.get(User, user.id), "ci")


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("path, payload, field", [
    ("/api/v1/status/webhook/monitoring", {"alerts": [1]}, "alerts.0"),
    ("/api/v1/status/webhook/monitoring", {"heartbeat": {"status": 0}, "monitor": "x"}, "monitor"),
    ("/api/v1/status/webhook/monitoring", {"check": "db", "state": "down", "component": {"id": 1}}, "component"),
    ("/api/v1/status/webhook/monitoring", {"alerts": [{"labels": {"alertname": ["x"]}}]}, "alerts.0.labels.alertname"),
    ("/api/v1/status/incidents", {"name": ["x"]}, "name"),
    ("/api/v1/status/incidents", {"name": "x", "components": ["api"]}, "components"),
    ("/api/v1/status/incidents", {"incident": {"name": "x", "body": ["a"]}}, "incident.body"),
    ("/api/v1/status/components", {"name": "x", "description": ["x"]}, "description"),
    ("/api/v1/status/components", {"name": "x", "position": HUGE}, "position"),
    ("/api/v1/status/maintenance", {"name": "x", "scheduled_for": 5}, "scheduled_for"),
    ("/api/v1/customers", {"email": ["a@example.com"]}, "email"),
    ("/en/contact/events", {"event": "solved", "attempt_id": "abcdefgh-1", "form": {}}, "form"),
])
def test_wrong_types_get_400_with_the_field_path(client, token, path, payload, field):
    response = client.post(path, json=payload, headers=_auth(token))
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.json["error"]
    assert field in [f["path"] for f in error["fields"]] and error["message"].startswith(field)


@pytest.mark.parametrize("payload", [[{"name": "x"}], "text", 5, None])
def test_a_body_that_is_not_an_object_gets_400(client, token, payload):
    response = client.post("/api/v1/status/incidents", json=payload, headers=_auth(token))
    assert response.status_code == 400 and "JSON object" in response.json["error"]["message"]


def test_ids_beyond_64_bits_are_a_400_not_an_overflow(client, token):
    response = client.post("/subscriptions/", data={"email": "a@example.com", "scope": "some", "component": HUGE})
    assert response.status_code == 400 and b"<html" in response.data
    assert b"component.0" in response.data
    listed = client.get(f"/api/v1/status/incidents?limit={HUGE}", headers=_auth(token))
    assert listed.status_code == 400 and listed.json["error"]["fields"][0]["path"] == "limit"
    assert client.get(f"/api/v1/suggest?q=map&limit={HUGE}").status_code == 400


def test_valid_statuspage_shapes_still_work(client, token):
    created = client.post("/api/v1/status/incidents", headers=_auth(token), json={
        "incident": {"name": "Slow", "components": {"api": "degraded_performance"}, "deliver_notifications": "false",
                     "extra_field_statuspage_sends": {"ignored": True}}})
    assert created.status_code == 201, created.json
    assert created.json["incident_updates"][0]["deliver_notifications"] is False
