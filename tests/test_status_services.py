"""Status write path: incidents, history, maintenance windows, uptime arithmetic, signals."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from portal import db, signals
from portal.status import queries, services, uptime
from portal.status.models import Component, ComponentStatusPeriod, Incident
from portal.status.services import StatusError

UTC = timezone.utc


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def components(ctx):
    platform = services.create_group("Platform", position=1)
    api = services.create_component("API", group=platform, position=1)
    web = services.create_component("Web app", "web-app", group=platform, position=2)
    return {"api": api, "web": web}


def _upcoming_window_start() -> datetime:
    """22:00 UTC a few days from now: maintenance tests travel forward from
    today, never to a fixed date that the components (made now) postdate."""
    soon = datetime.now(UTC) + timedelta(days=3)
    return soon.replace(hour=22, minute=0, second=0, microsecond=0)


def _periods(component):
    return [(p.status, p.started_at, p.ended_at) for p in db.session.scalars(
        select(ComponentStatusPeriod).where(ComponentStatusPeriod.component_id == component.id)
        .order_by(ComponentStatusPeriod.started_at))]


def test_incident_lifecycle_sets_and_restores_components(components):
    api = components["api"]
    incident = services.create_incident("API errors", components={"api": "major_outage"},
                                        body="Looking <script>alert(1)</script> **now**")
    assert incident.impact == "major" and api.status == "major_outage"
    assert len(incident.public_id) == 12 and incident.public_id.isalnum()
    first = incident.latest_update
    assert "<script>" not in first.body_html and "<strong>now</strong>" in first.body_html
    assert first.affected_components == [{"code": api.public_id, "name": "API",
                                          "old_status": "operational", "new_status": "major_outage"}]
    services.post_update(incident, "monitoring", "Fixed, watching", {"api": "degraded_performance"})
    assert incident.monitoring_at is not None and api.status == "degraded_performance"
    assert incident.latest_update.body == "Fixed, watching"  # newest first, also when already loaded
    services.resolve(incident, "All good")
    assert incident.status == "resolved" and incident.resolved_at is not None
    assert api.status == "operational"
    assert [p[0] for p in _periods(api)] == ["operational", "major_outage", "degraded_performance", "operational"]
    with pytest.raises(StatusError):
        services.post_update(incident, "identified", "too late")
    services.add_postmortem(incident, "## Root cause\nA full disk.")
    assert incident.status == "postmortem" and "<h2" in incident.postmortem_html


def test_resolving_one_incident_keeps_a_component_another_incident_still_claims(components):
    first = services.create_incident("API slow", components={"api": "degraded_performance"})
    second = services.create_incident("API down", components={"api": "major_outage"})
    services.resolve(second)
    assert components["api"].status == "degraded_performance"
    services.resolve(first)
    assert components["api"].status == "operational"


def test_bad_input_is_a_clear_error(components):
    with pytest.raises(StatusError, match="no component"):
        services.create_incident("x", components={"nope": "major_outage"})
    with pytest.raises(StatusError, match="Unknown component status"):
        services.create_incident("x", components={"api": "broken"})
    with pytest.raises(StatusError, match="impact"):
        services.create_incident("x", impact="apocalyptic")
    with pytest.raises(StatusError, match="name"):
        services.create_incident("   ")
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    with pytest.raises(StatusError, match="end after"):
        services.schedule_maintenance("m", start, start, ["api"])


def test_every_change_signals_inside_the_transaction_with_notify_choice(components):
    seen = []

    def listener(sender, **kwargs):
        assert kwargs["session"] is db.get_session()
        incident = kwargs.get("incident") or kwargs.get("maintenance")
        other = db.new_session()  # another connection does not see the change yet
        try:
            visible = other.scalar(select(Incident.status).where(Incident.id == incident.id))
        finally:
            other.close()
        assert visible != incident.status
        seen.append((kwargs["event"], kwargs["notify"]))

    with signals.incident_event.connected_to(listener), signals.maintenance_event.connected_to(listener):
        incident = services.create_incident("A", components={"api": "partial_outage"}, notify=False)
        services.post_update(incident, "identified", "found it")
        services.resolve(incident)
        start = datetime.now(UTC) + timedelta(hours=1)
        services.schedule_maintenance("M", start, start + timedelta(hours=1), ["web-app"])
    assert seen == [("created", False), ("updated", True), ("resolved", True), ("scheduled", True)]


def test_maintenance_starts_and_completes_by_itself(components):
    web = components["web"]
    start = _upcoming_window_start()
    with time_machine.travel(start - timedelta(hours=34), tick=False):
        maintenance = services.schedule_maintenance("DB upgrade", start, start + timedelta(hours=1), ["web-app"])
        assert services.tick() == []
        assert [m.public_id for m in queries.upcoming_maintenance()] == [maintenance.public_id]
        assert services.next_transition() == start
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        assert services.tick() == [(maintenance, "started")]
        assert maintenance.status == "in_progress" and web.status == "under_maintenance"
        assert maintenance.started_at == start
        assert services.tick() == []  # idempotent
        assert [i.public_id for i in queries.active_incidents()] == [maintenance.public_id]
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        assert services.tick() == [(maintenance, "completed")]
        assert maintenance.status == "completed" and web.status == "operational"
        assert maintenance.resolved_at == start + timedelta(hours=1)
    statuses = [p[:2] for p in _periods(web)]
    assert ("under_maintenance", start) in statuses


def test_a_missed_window_starts_and_completes_in_one_tick(components):
    start = _upcoming_window_start()
    with time_machine.travel(start - timedelta(hours=46), tick=False):
        services.schedule_maintenance("Short", start, start + timedelta(minutes=30), ["api"])
    with time_machine.travel(start + timedelta(days=1), tick=False):
        assert [event for _m, event in services.tick()] == ["started", "completed"]
        assert components["api"].status == "operational"


def test_manual_maintenance_waits_for_the_operator(components):
    start = _upcoming_window_start()
    with time_machine.travel(start - timedelta(hours=46), tick=False):
        maintenance = services.schedule_maintenance("Manual", start, start + timedelta(hours=1), ["api"],
                                                    auto_start=False, auto_complete=False)
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        assert services.tick() == []
        services.post_update(maintenance, "in_progress", "Started late")
        assert components["api"].status == "under_maintenance"
        services.resolve(maintenance)
        assert maintenance.status == "completed" and components["api"].status == "operational"


def test_last_changed_moves_with_every_write(components):
    before = services.last_changed()
    incident = services.create_incident("A", components={"api": "partial_outage"})
    after_create = services.last_changed()
    services.post_update(incident, "identified", "x")
    after_update = services.last_changed()
    assert len({before[1], after_create[1], after_update[1]}) == 3
    assert after_update[0] >= after_create[0] > before[0]


# --- uptime arithmetic -----------------------------------------------------------

def test_uptime_is_time_weighted_with_partial_outage_at_70_percent(ctx):
    """One Amsterdam day (24 h): 2 h partial outage, 1 h major, 3 h maintenance."""
    day = date(2026, 11, 10)  # CET, UTC+1: the local day is 2026-11-09T23:00Z .. 2026-11-10T23:00Z
    start = datetime(2026, 11, 9, 23, 0, tzinfo=UTC)
    with time_machine.travel(start - timedelta(days=2), tick=False):
        component = services.create_component("API")
    at = start
    for status, hours in [("operational", 6), ("partial_outage", 2), ("operational", 4), ("major_outage", 1),
                          ("under_maintenance", 3), ("degraded_performance", 8)]:
        with time_machine.travel(at, tick=False):
            services.set_component_status(component, status)
        at += timedelta(hours=hours)
    now = start + timedelta(days=1, hours=12)
    result = uptime.daily_uptime([component.id], days=3, now=now)[component.id]
    by_day = {d.day: d for d in result.days}
    measured = by_day[day]
    counted = 21 * 3600  # 24 h minus 3 h maintenance
    up = (6 + 2 * 0.7 + 4 + 0 + 8) * 3600
    assert measured.counted_seconds == counted
    assert measured.percent == pytest.approx(100 * up / counted)  # 92.38 %
    assert measured.level == "critical" and measured.worst == "major_outage"
    # the day before: created 2 days earlier, operational all day
    assert by_day[day - timedelta(days=1)].percent == 100.0
    # today so far: degraded counts as up, but the bar shows it
    today = by_day[day + timedelta(days=1)]
    assert today.percent == 100.0 and today.level == "minor"


def test_uptime_has_no_data_before_history_and_maintenance_only_days(ctx):
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    with time_machine.travel(now - timedelta(hours=30), tick=False):
        component = services.create_component("Labels")
        services.set_component_status(component, "under_maintenance")
    result = uptime.daily_uptime([component.id], days=90, now=now)[component.id]
    assert len(result.days) == 90 and result.days[-1].day == date(2026, 11, 20)
    assert result.days[0].level == "none" and result.days[0].percent is None
    assert result.days[-1].level == "maintenance"
    assert result.percent is None


def test_uptime_days_follow_dst_in_the_configured_zone(ctx):
    # 25 Oct 2026 in Amsterdam has 25 hours (CEST -> CET)
    start, end = uptime.day_bounds(date(2026, 10, 25), uptime.configured_timezone())
    assert (end - start) == timedelta(hours=25)


def test_imported_history_overlays_the_recorded_periods(components):
    api = components["api"]
    now = datetime.now(UTC)
    from portal.status import history

    history.overlay_period(db.session, api, "major_outage", now - timedelta(hours=3), now - timedelta(hours=2))
    db.session.commit()
    statuses = [p[0] for p in _periods(api)]
    # the component was created "now": the overlay lies before it, nothing overlaps
    assert statuses == ["major_outage", "operational"]
    history.overlay_period(db.session, api, "partial_outage", now - timedelta(hours=2, minutes=30),
                           now - timedelta(hours=2, minutes=20))
    db.session.commit()
    assert [p[0] for p in _periods(api)] == ["major_outage", "partial_outage", "major_outage", "operational"]
    rows = _periods(api)
    for earlier, later in zip(rows, rows[1:]):
        assert earlier[2] is not None and earlier[2] <= later[1]  # no overlaps


def test_find_component_by_code_public_id_or_name(components):
    api = components["api"]
    assert services.find_component("api") is api
    assert services.find_component(api.public_id) is api
    assert services.find_component("web APP") is components["web"]
    assert services.find_component("nothing") is None
    assert db.session.scalar(select(Incident)) is None
    assert isinstance(api, Component)


def test_concurrent_ticks_start_a_window_once(app, components):
    import threading

    start = _upcoming_window_start()
    with time_machine.travel(start - timedelta(hours=46), tick=False):
        maintenance = services.schedule_maintenance("Race", start, start + timedelta(hours=1), ["api"])
    public_id = maintenance.public_id
    barrier = threading.Barrier(3)
    results, errors = [], []

    def run():
        with app.app_context():
            barrier.wait()
            try:
                results.extend(event for _m, event in services.tick(start + timedelta(minutes=1)))
            except Exception as exc:  # the assertion below reports it
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and results == ["started"]
    db.session.expire_all()
    found = queries.incident_by_public_id(public_id)
    assert [u.status for u in found.updates] == ["in_progress", "scheduled"]
