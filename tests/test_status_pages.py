"""Status pages, banners, feeds, badge, widget, suggest provider, staff pages, CLI and importer."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest
import time_machine

from portal.status import queries, services

UTC = timezone.utc
SAMPLE = Path(__file__).resolve().parent.parent / "incidents"


@pytest.fixture
def incident(app):
    with app.app_context():
        group = services.create_group("Shipping", position=1)
        services.create_component("Label printing", "labels", group=group, description="Print labels")
        services.create_component("DHL", "dhl", group=group)
        found = services.create_incident("DHL labels fail", impact="major",
                                         components={"dhl": "major_outage", "labels": "partial_outage"},
                                         body="We are *investigating* <img src=x onerror=alert(1)>")
        return found.public_id


def test_status_page_shows_indicator_components_incident_and_formula(client, incident):
    response = client.get("/en/status")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Major service outage" in html
    assert "Shipping" in html and "Label printing" in html and "Partial outage" in html
    assert "DHL labels fail" in html and "<em>investigating</em>" in html
    assert "onerror" not in html
    assert "partial outage counts as 30 % down" in html
    bars = re.findall(r'<li class="uptime-bar level-(\w+)[^"]*"><details class="uptime-day" data-day="[0-9-]+">'
                      r'<summary title="([^"]+)"><span class="visually-hidden">([^<(]+)', html)
    assert len(bars) == 2 * 90
    assert bars[-1][1] == bars[-1][2].strip() and "%" in bars[-1][1]  # tooltip and text alternative agree
    assert 'data-portal-status' in html and "/status/widget.js" in html


def test_times_are_in_the_configured_zone_with_offset(app, client):
    with app.app_context(), time_machine.travel(datetime(2026, 11, 22, 13, 5, tzinfo=UTC), tick=False):
        found = services.create_incident("Slow", impact="minor", body="x")
        public_id = found.public_id
    html = client.get(f"/en/status/incidents/{public_id}").get_data(as_text=True)
    assert "22 Nov 2026, 14:05 CET (UTC+01:00)" in html
    with app.app_context(), time_machine.travel(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), tick=False):
        summer = services.create_incident("Summer", impact="minor", body="x").public_id
    assert "1 Jul 2026, 14:00 CEST (UTC+02:00)" in client.get(f"/en/status/incidents/{summer}").get_data(as_text=True)


def test_banner_on_every_page_until_resolved(app, client, incident):
    for path in ("/en/status", "/en/status/history", "/en/no-such-page"):
        html = client.get(path).get_data(as_text=True)
        assert 'class="status-banner"' in html and "DHL labels fail" in html, path
    with app.app_context():
        services.resolve(queries.incident_by_public_id(incident))
    assert 'class="status-banner"' not in client.get("/en/status/history").get_data(as_text=True)


def test_banner_costs_one_query_when_nothing_changed(app, client, incident):
    from sqlalchemy import event

    client.get("/en/status/history")  # warm the per-process cache
    statements = []
    engine = app.extensions["portal.engine"]

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with app.test_request_context("/en/"):
            from flask import render_template_string

            html = render_template_string('{% include "status/_banner.html" %}')
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "DHL labels fail" in html
    assert len(statements) <= 1  # none while the content-version memo is fresh (portal.cache.versions)


def test_active_incidents_partial_offers_to_follow(app, incident):
    with app.test_request_context("/en/contact/"):
        from flask import render_template

        html = render_template("status/_active_incidents.html")
    assert "Follow this incident instead of writing a ticket" in html
    assert f"/status/incidents/{incident}#subscribe" in html


def test_suggest_provider_matches_active_incidents(app, incident):
    provider = app.extensions["portal.suggest_providers"]["incidents"]
    with app.test_request_context("/"):
        found = provider("my dhl label does not print", "en", 5)
        assert [f["id"] for f in found] == [incident]
        assert set(found[0]) == {"id", "name", "status", "impact", "url", "updated_at"}
        assert found[0]["url"].endswith(f"/status/incidents/{incident}")
        assert provider("invoice vat question", "en", 5) == []
        assert provider("", "en", 5) == []


def test_suggest_api_returns_matching_incidents_next_to_articles(client, incident):
    response = client.get("/api/v1/suggest?q=dhl+labels&locale=en")
    assert response.status_code == 200
    assert [i["id"] for i in response.json["incidents"]] == [incident]


def test_incident_page_and_history(app, client, incident):
    with app.app_context():
        found = queries.incident_by_public_id(incident)
        services.post_update(found, "identified", "Carrier API changed")
        services.resolve(found, "Fixed")
        services.add_postmortem(found, "## Cause\nA changed API.")
    html = client.get(f"/en/status/incidents/{incident}").get_data(as_text=True)
    assert html.index("Fixed") < html.index("Carrier API changed")  # newest first
    assert "Postmortem" in html and "A changed API." in html
    assert "Label printing" in html
    history = client.get("/en/status/history").get_data(as_text=True)
    assert "DHL labels fail" in history and re.search(r"<h2[^>]*>\w+ 20\d\d</h2>", history)
    assert client.get("/en/status/incidents/nope").status_code == 404


def test_feeds_are_valid_atom_and_rss(app, client, incident):
    for path in ("/status/feed.atom", "/status/feed.rss"):
        response = client.get(path)
        assert response.status_code == 200
        feed = feedparser.parse(response.data)
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.entries[0].title.startswith("DHL labels fail")
        assert feed.entries[0].link.endswith(f"/status/incidents/{incident}")
    with app.app_context():
        dhl = services.find_component("dhl").public_id
        services.create_component("API", "api")
        other = services.create_incident("API slow", components={"api": "degraded_performance"})
        assert other.public_id
    component_feed = feedparser.parse(client.get(f"/status/components/{dhl}/feed.atom").data)
    assert not component_feed.bozo
    assert [e.title for e in component_feed.entries] == ["DHL labels fail (Investigating)"]
    rss = feedparser.parse(client.get(f"/status/components/{dhl}/feed.rss").data)
    assert not rss.bozo and len(rss.entries) == 1
    assert client.get("/status/components/nope/feed.atom").status_code == 404


def test_badge_and_widget(client, incident):
    badge = client.get("/status/badge.svg")
    assert badge.mimetype == "image/svg+xml" and b"major service outage" in badge.data
    assert badge.data.startswith(b"<svg") and b"<title>" in badge.data
    escaped = client.get('/status/badge.svg?label=<b>"x')
    assert b"<b>" not in escaped.data
    widget = client.get("/status/widget.js")
    assert widget.status_code == 200 and widget.mimetype == "text/javascript"
    assert b"/api/v2/summary.json" in widget.data


# --- staff pages -------------------------------------------------------------------

def test_staff_pages_need_the_operator_role(client, staff, login, incident):
    assert client.get("/staff/status/").status_code == 302
    login(client, staff("writer"))
    assert client.get("/staff/status/").status_code == 403


def test_operator_opens_updates_resolves_and_schedules_in_the_browser_ui(app, client, staff, login, incident):
    login(client, staff("operator"))
    assert b"DHL labels fail" in client.get("/staff/status/").data
    with app.app_context():
        labels = services.find_component("labels").public_id
    form = client.get("/staff/status/incidents/new")
    assert form.status_code == 200 and f'name="component-{labels}"'.encode() in form.data
    created = client.post("/staff/status/incidents/new", data={
        "name": "Labels print blank", "impact": "minor", "status": "investigating",
        "message": "Checking the print agent", f"component-{labels}": "degraded_performance", "notify": "y"})
    assert created.status_code == 302
    public_id = created.headers["Location"].rsplit("/", 1)[1]
    assert client.post("/staff/status/incidents/new", data={"name": ""}).status_code == 400
    staff_page = client.get(f"/staff/status/incidents/{public_id}")
    assert staff_page.status_code == 200 and b"Post an update" in staff_page.data
    client.post(f"/staff/status/incidents/{public_id}/updates",
                data={"status": "identified", "message": "Driver update broke it"})
    page = client.get(f"/en/status/incidents/{public_id}").get_data(as_text=True)
    assert "Driver update broke it" in page
    client.post(f"/staff/status/incidents/{public_id}/resolve", data={"message": "Rolled back"})
    client.post(f"/staff/status/incidents/{public_id}/postmortem", data={"body": "We pin drivers now."})
    with app.app_context():
        found = queries.incident_by_public_id(public_id)
        assert found.status == "postmortem" and found.created_by == "operator1@staff.test"
        assert not found.updates[0].deliver_notifications  # this post left "notify" unticked
    assert b"We pin drivers now." in client.get(f"/staff/status/incidents/{public_id}").data  # editable
    assert client.get("/staff/status/maintenance/new").status_code == 200
    assert client.get("/staff/status/components").status_code == 200
    backwards = client.post("/staff/status/maintenance/new", data={
        "name": "Backwards", "scheduled_for": "2030-03-01T22:00", "scheduled_until": "2030-03-01T21:00"})
    assert backwards.status_code == 400 and b"must end after it starts" in backwards.data
    scheduled = client.post("/staff/status/maintenance/new", data={
        "name": "Printer agent upgrade", "scheduled_for": "2030-03-01T22:00", "scheduled_until": "2030-03-01T23:00",
        f"component-{labels}": "under_maintenance", "auto_start": "y", "auto_complete": "y"})
    assert scheduled.status_code == 302
    assert "Printer agent upgrade" in client.get("/en/status").get_data(as_text=True)
    added = client.post("/staff/status/components", data={
        "kind": "component", "component-name": "Magento import", "component-group": "", "component-position": "3"})
    assert added.status_code == 302
    client.post("/staff/status/components", data={"kind": "group", "group-name": "Imports", "group-position": "2"})
    with app.app_context():
        assert services.find_component("magento-import") is not None
        magento = services.find_component("magento-import").public_id
    client.post(f"/staff/status/components/{magento}/status", data={"status": "partial_outage"})
    with app.app_context():
        assert services.find_component("magento-import").status == "partial_outage"


# --- CLI ---------------------------------------------------------------------------

def test_cli_create_update_resolve_and_maintenance(app, runner):
    assert runner.invoke(args=["component", "add", "API", "--group", "Platform"]).output.strip() == "api"
    assert runner.invoke(args=["component", "add", "Web app"]).exit_code == 0
    created = runner.invoke(args=["incident", "create", "API errors", "--impact", "major",
                                  "--component", "api=partial_outage", "--message", "Looking", "--no-notify"])
    assert created.exit_code == 0, created.output
    public_id = created.output.strip()
    listed = runner.invoke(args=["incident", "list"]).output
    assert public_id in listed and "investigating" in listed
    assert "partial_outage" in runner.invoke(args=["component", "list"]).output
    updated = runner.invoke(args=["incident", "update", public_id, "--status", "identified", "--message", "Found"])
    assert updated.exit_code == 0 and "identified" in updated.output
    resolved = runner.invoke(args=["incident", "resolve", public_id, "--message", "Done"])
    assert resolved.exit_code == 0 and "resolved" in resolved.output
    with app.app_context():
        found = queries.incident_by_public_id(public_id)
        assert [u.status for u in found.updates] == ["resolved", "identified", "investigating"]
        assert found.updates[-1].deliver_notifications is False
        assert services.find_component("api").status == "operational"
    bad = runner.invoke(args=["incident", "create", "X", "--component", "nope=major_outage"])
    assert bad.exit_code != 0 and "no component" in bad.output
    assert runner.invoke(args=["incident", "update", "missing", "--message", "x"]).exit_code != 0
    soon = datetime.now(UTC) + timedelta(minutes=1)
    maint = runner.invoke(args=["incident", "maintenance", "Upgrade", "--start", soon.isoformat(),
                                "--end", (soon + timedelta(hours=1)).isoformat(), "--component", "web-app"])
    assert maint.exit_code == 0, maint.output
    with time_machine.travel(soon + timedelta(minutes=2), tick=False):
        ticked = runner.invoke(args=["incident", "tick"])
    assert "started: Upgrade" in ticked.output
    assert runner.invoke(args=["component", "set", "api", "major_outage"]).exit_code == 0
    bad_time = runner.invoke(args=["incident", "maintenance", "X", "--start", "tomorrow", "--end", "later"])
    assert bad_time.exit_code != 0 and "Not a date" in bad_time.output


# --- status as code ------------------------------------------------------------------

def test_sample_imports_and_reimports_unchanged(app, runner, client):
    first = runner.invoke(args=["import", str(SAMPLE)])
    assert first.exit_code == 0 and "0 failed" in first.output, first.output
    assert "5 created" in first.output
    assert "5 unchanged" in runner.invoke(args=["import", str(SAMPLE)]).output
    summary = client.get("/api/v2/summary.json").json
    names = {c["name"] for c in summary["components"]}
    assert {"Web app", "API", "Shopify import", "Label printing", "PostNL", "DHL", "DPD"} <= names
    assert summary["status"]["indicator"] == "none" and summary["incidents"] == []
    incidents = client.get("/api/v2/incidents.json").json["incidents"]
    outage = next(i for i in incidents if i["name"] == "Web app and API unavailable")
    assert outage["status"] == "postmortem" and len(outage["incident_updates"]) == 4
    assert outage["resolved_at"].startswith("2026-11-04T10:15")
    html = client.get("/en/status/incidents/" + outage["id"]).get_data(as_text=True)
    assert "What we change" in html
    with app.app_context():
        from portal.status.uptime import daily_uptime

        web = services.find_component("web-app")
        with time_machine.travel(datetime(2026, 11, 22, 12, tzinfo=UTC), tick=False):
            days = {d.day.isoformat(): d for d in daily_uptime([web.id])[web.id].days}
        # 09:02-10:15 major outage = 73 of 1440 minutes down
        assert days["2026-11-04"].percent == pytest.approx(100 * (1440 - 73) / 1440)
        assert days["2026-11-05"].percent == 100.0


def test_importer_reports_bad_files_clearly(app, runner, tmp_path):
    (tmp_path / "a.md").write_text("---\nkind: component\nname: Shop\n---\n")
    (tmp_path / "b.md").write_text("---\nkind: incident\nname: X\nimpact: major\ncomponents: {nope: major_outage}\n"
                                   "updates: [{at: 2026-01-01T10:00Z, status: resolved, body: ok}]\n---\n")
    (tmp_path / "c.md").write_text("---\nkind: incident\nname: Y\nimpact: major\n"
                                   "updates: [{at: 2026-01-01T10:00Z, status: investigating, body: ok}]\n---\n")
    (tmp_path / "d.md").write_text("---\nkind: incident\nname: Z\nimpact: major\nupdates: [{status: resolved}]\n---\n")
    result = runner.invoke(args=["import", str(tmp_path)])
    assert "1 created" in result.output and "3 failed" in result.output
    assert "no component nope" in result.output
    assert "last update must be resolved" in result.output
    assert "at is missing" in result.output


def test_future_maintenance_file_is_scheduled_for_real(app, runner, tmp_path):
    (tmp_path / "00.md").write_text("---\nkind: component\nname: API\n---\n")
    (tmp_path / "m.md").write_text("---\nkind: maintenance\nname: Future upgrade\nscheduled_for: 2031-01-01T22:00+01:00\n"
                                   "scheduled_until: 2031-01-01T23:00+01:00\ncomponents: [api]\n---\nShort downtime.\n")
    assert "2 created" in runner.invoke(args=["import", str(tmp_path)]).output
    with app.app_context():
        [upcoming] = queries.upcoming_maintenance()
        assert upcoming.name == "Future upgrade" and upcoming.auto_start
    assert "2 unchanged" in runner.invoke(args=["import", str(tmp_path)]).output


def test_future_maintenance_file_is_stored_with_its_key_in_one_transaction(app, runner, tmp_path, monkeypatch):
    """A failure after the window was stored must not leave it without its file key (a re-import would
    then schedule it twice): scheduling and the key are one commit."""
    from sqlalchemy.orm import Session

    (tmp_path / "00.md").write_text("---\nkind: component\nname: API\n---\n")
    (tmp_path / "m.md").write_text("---\nkind: maintenance\nname: Future upgrade\nscheduled_for: 2031-01-01T22:00+01:00\n"
                                   "scheduled_until: 2031-01-01T23:00+01:00\ncomponents: [api]\n---\nShort downtime.\n")
    runner.invoke(args=["import", str(tmp_path / "00.md")])
    commits = []
    real_commit = Session.commit

    def commit_once_then_fail(self):
        commits.append(1)
        if len(commits) > 1:
            raise RuntimeError("the machine went down here")
        return real_commit(self)

    monkeypatch.setattr(Session, "commit", commit_once_then_fail)
    runner.invoke(args=["import", str(tmp_path / "m.md")])
    monkeypatch.undo()
    runner.invoke(args=["import", str(tmp_path)])
    with app.app_context():
        assert [m.name for m in queries.upcoming_maintenance()] == ["Future upgrade"]
