"""Operator comfort (issue 16, item 6): incident templates, muting during maintenance."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import db
from portal.db import utcnow
from portal.status import incident_templates, queries, services
from portal.status.models import IncidentTemplate
from portal.status.subscription_models import Broadcast


def test_templates_crud_and_new_incident_from_template(app, client, staff, login):
    login(client, staff("operator"))
    with app.app_context():
        dhl = services.create_component("DHL", "dhl")
        dhl_id = dhl.public_id
    assert client.get("/staff/status/templates").status_code == 200
    saved = client.post("/staff/status/templates/new", data={
        "label": "DHL down", "language": "en", "name": "DHL labels fail", "impact": "major",
        "status": "investigating", f"component-{dhl_id}": "major_outage", "message": "We are on it",
        "name-nl": "DHL-labels mislukken", "message-nl": "We zijn ermee bezig"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:500]
    with app.app_context():
        template = db.session.scalar(select(IncidentTemplate))
        assert template.component_statuses == {"dhl": "major_outage"}
        assert template.name_translations == {"nl": "DHL-labels mislukken"}
        template_id = template.id
    listing = client.get("/staff/status/templates").get_data(as_text=True)
    assert "DHL down" in listing and "en, nl" in listing
    form = client.get(f"/staff/status/incidents/new?template={template_id}").get_data(as_text=True)
    assert 'value="DHL labels fail"' in form and "We are on it" in form and "DHL-labels mislukken" in form
    assert 'value="major_outage" selected' in form
    duplicate = client.post("/staff/status/templates/new", data={
        "label": "DHL down", "language": "en", "name": "x", "impact": "minor", "status": "investigating"})
    assert duplicate.status_code == 400
    assert client.get(f"/staff/status/templates/{template_id}").status_code == 200
    assert client.post(f"/staff/status/templates/{template_id}/delete").status_code == 302
    with app.app_context():
        assert incident_templates.all_templates() == []
    assert client.get("/staff/status/templates/999").status_code == 404


def test_maintenance_that_mutes_keeps_incidents_on_its_components_quiet(app):
    with app.app_context():
        services.create_component("DB", "db")
        services.create_component("Web", "web")
        now = utcnow()
        maintenance = services.schedule_maintenance("DB swap", now - timedelta(minutes=5), now + timedelta(hours=1),
                                                    ["db"], mute_notifications=True)
        services.tick()
        assert queries.incident_by_public_id(maintenance.public_id).status == "in_progress"
        from sqlalchemy import func

        before = db.session.scalar(select(func.count()).select_from(Broadcast))
        services.create_incident("DB slow", components={"db": "degraded_performance"})
        assert db.session.scalar(select(func.count()).select_from(Broadcast)) == before  # muted
        incidents_told = select(func.count()).select_from(Broadcast).where(Broadcast.kind == "incident")
        told_before = db.session.scalar(incidents_told)
        services.create_incident("Web and DB slow", components={"db": "degraded_performance",
                                                                "web": "degraded_performance"})
        assert db.session.scalar(incidents_told) == told_before + 1  # web is not muted
