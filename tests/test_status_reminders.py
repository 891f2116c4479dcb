"""Reminders (issue 16, item 4): operators about quiet trouble, subscribers about
maintenance; each exactly once, with frozen and moved time."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from portal import db
from portal.outbox.models import Message
from portal.status import reminders, services
from portal.status.subscription_models import Broadcast

T0 = datetime(2030, 3, 4, 8, 0, tzinfo=timezone.utc)


def _at(hours: float):
    return time_machine.travel(T0 + timedelta(hours=hours), tick=False)


def _reminder_mails():
    return list(db.session.scalars(select(Message).where(Message.purpose == "status_reminder")))


def test_degraded_component_reminds_operators_at_3_6_12_24_hours(app, staff):
    operator = staff("operator")
    staff("writer")  # writers are not reminded
    with app.app_context():
        with _at(0):
            component = services.create_component("API", "api")
            services.set_component_status(component, "degraded_performance")
        with _at(2.9):
            assert reminders.tick() == []
        with _at(3.1):
            sent = reminders.tick()
            assert len(sent) == 1 and sent[0].endswith(":3")
            assert reminders.tick() == []  # a second worker round: nothing new
            mails = _reminder_mails()
            assert [m.recipient for m in mails] == [operator.email]
            assert "3" in mails[0].payload["subject"] and "API" in mails[0].payload["subject"]
            assert any(n.kind == "degraded" for n in reminders.operator_notices())
        with _at(11):  # the worker was down from 3 h to 11 h: the 6-hour reminder, once
            assert [k.rsplit(":", 1)[1] for k in reminders.tick()] == ["6"]
        with _at(12.5):
            assert [k.rsplit(":", 1)[1] for k in reminders.tick()] == ["12"]
        with _at(30):
            assert [k.rsplit(":", 1)[1] for k in reminders.tick()] == ["24"]
            assert reminders.tick() == []
        assert len(_reminder_mails()) == 4


def test_an_update_starts_a_new_quiet_stretch(app, staff):
    staff("operator")
    with app.app_context():
        with _at(0):
            services.create_component("Web", "web")
            incident = services.create_incident("Slow", components={"web": "partial_outage"})
        with _at(2):
            services.post_update(incident, "identified", "Found it")
        with _at(4):
            assert reminders.tick() == []  # 2 hours since the update
        with _at(5.1):
            assert len(reminders.tick()) == 1


def test_long_monitoring_reminds_once_per_quiet_stretch(app, staff):
    staff("admin")
    with app.app_context():
        app.config["STATUS_MONITORING_REMINDER_HOURS"] = 6
        with _at(0):
            incident = services.create_incident("Queue", body="x")
            services.post_update(incident, "monitoring", "A fix is out")
        with _at(5):
            assert reminders.tick() == []
        with _at(6.5):
            sent = reminders.tick()
            assert len(sent) == 1 and sent[0].startswith("monitoring:")
            assert reminders.tick() == []


def _broadcasts(event):
    return list(db.session.scalars(select(Broadcast).where(Broadcast.event == event)))


def test_maintenance_reminder_before_the_start_and_on_new_dates(app):
    with app.app_context():
        with _at(0):
            services.create_component("DB", "db")
            maintenance = services.schedule_maintenance("DB upgrade", T0 + timedelta(hours=10),
                                                        T0 + timedelta(hours=11), ["db"])
            quiet = services.schedule_maintenance("Quiet one", T0 + timedelta(hours=10),
                                                  T0 + timedelta(hours=11), ["db"], remind_subscribers=False)
            early = services.schedule_maintenance("Early", T0 + timedelta(hours=30),
                                                  T0 + timedelta(hours=31), ["db"], remind_hours=20)
        with _at(6.9):
            assert reminders.tick() == []
        with _at(7.1):
            assert [k.split(":")[1] for k in reminders.tick()] == [str(maintenance.id)]
            assert reminders.tick() == []
        with _at(10.2):  # 20 hours before its start, as that one asked
            assert [k.split(":")[1] for k in reminders.tick()] == [str(early.id)]
            reminders_sent = _broadcasts("reminder")
            assert {b.incident_id for b in reminders_sent} == {maintenance.id, early.id}
            assert "Reminder" in reminders_sent[0].content["en"]["subject"]
            assert quiet.id not in {b.incident_id for b in reminders_sent}
        with _at(8):
            services.reschedule_maintenance(db.session.get(type(maintenance), maintenance.id),
                                            T0 + timedelta(hours=20), T0 + timedelta(hours=21))
            moved = _broadcasts("rescheduled")
            assert len(moved) == 1 and "moved" in moved[0].content["en"]["subject"]
            assert reminders.tick() == []
        with _at(17.5):  # 3 hours before the new start: reminded again (not the early one twice)
            assert [k.split(":")[1] for k in reminders.tick()] == [str(maintenance.id)]


def test_two_workers_at_once_send_each_reminder_once(app, staff):
    staff("operator")
    with app.app_context():
        with _at(0):
            services.create_component("Mail", "mail")
            services.set_component_status(services.find_component("mail"), "major_outage")
    results, errors = [], []

    def worker():
        try:
            with app.app_context(), _at(3.5):
                results.extend(reminders.tick())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert len(_reminder_mails()) == 1
    assert len(results) == 1, (results, errors)


def test_staff_see_reminders_and_move_maintenance(app, client, staff, login):
    operator = staff("operator")
    with app.app_context():
        with _at(0):
            services.create_component("CDN", "cdn")
            services.set_component_status(services.find_component("cdn"), "partial_outage")
            maintenance = services.schedule_maintenance("Swap disks", T0 + timedelta(hours=50),
                                                        T0 + timedelta(hours=51), ["cdn"])
            public_id = maintenance.public_id
    with _at(4):
        login(client, operator)  # signed in at the travelled-to time (sessions expire)
        page = client.get("/staff/status/").get_data(as_text=True)
        assert "CDN has been degraded for 3 hours without an update." in page
        moved = client.post(f"/staff/status/incidents/{public_id}/reschedule",
                            data={"scheduled_for": "2030-03-10T22:00", "scheduled_until": "2030-03-10T23:30",
                                  "notify": "y"})
        assert moved.status_code == 302
        assert client.post(f"/staff/status/incidents/{public_id}/reschedule", data={"scheduled_for": "x"}
                           ).status_code == 302  # a flash, not a 500
    with app.app_context(), _at(4.1):
        assert len(_broadcasts("rescheduled")) == 1
        created = client.post("/staff/status/maintenance/new", data={
            "name": "No reminder", "scheduled_for": "2030-04-01T22:00", "scheduled_until": "2030-04-01T23:00",
            "remind_hours": "5", "notify": "y"})
        assert created.status_code == 302
        from portal.status.models import Incident
        row = db.session.scalar(select(Incident).where(Incident.name == "No reminder"))
        assert row.remind_subscribers is False and row.remind_hours == 5
