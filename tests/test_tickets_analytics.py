"""Deflection analytics: the events endpoint, the counters and the staff report."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from portal import db
from portal.tickets import analytics
from portal.tickets.models import DeflectionEvent, HelpCenterVisitDaily
from tests.test_tickets import post, technical

NOW = datetime(2026, 11, 17, 12, 0, tzinfo=timezone.utc)


def event(client, name, attempt="attempt-0001", **extra):
    return client.post("/en/contact/events", json={"event": name, "attempt_id": attempt, "form": "technical", **extra})


def stored(app) -> list[tuple]:
    with app.app_context():
        return [(e.attempt_id, e.event, e.article_slug, e.query)
                for e in db.session.scalars(select(DeflectionEvent).order_by(DeflectionEvent.id))]


def test_events_are_validated(app, client):
    assert event(client, "started").status_code == 202
    assert event(client, "started").get_json()["stored"] is False  # once per attempt
    assert event(client, "suggestion_opened", article="checkout-errors").status_code == 202
    for bad in (
        {"event": "hacked", "attempt_id": "attempt-0001"},
        {"event": "started", "attempt_id": "x"},
        {"event": "started", "attempt_id": "attempt-0001", "form": "nope"},
        {"event": "suggestion_opened", "attempt_id": "attempt-0001", "article": "<script>"},
        {"event": "submitted", "attempt_id": "attempt-0001"},  # only the server records tickets
    ):
        response = client.post("/en/contact/events", json=bad)
        assert response.status_code == 400 and response.get_json()["error"]["message"]
    assert client.post("/en/contact/events", data="not json").status_code == 400
    assert stored(app) == [("attempt-0001", "started", None, None),
                           ("attempt-0001", "suggestion_opened", "checkout-errors", None)]


def test_abandoned_query_is_scrubbed_and_others_keep_no_text(app, client):
    event(client, "abandoned", query="refund to NL91ABNA0417164300 for jan@shop.example")
    event(client, "solved", attempt="attempt-0002", query="should not be kept")
    assert stored(app) == [("attempt-0001", "abandoned", None, "refund to [iban] for [email]"),
                           ("attempt-0002", "solved", None, None)]


def test_events_need_the_csrf_header_when_csrf_is_on(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert event(client, "started").status_code == 400
    page = client.get("/en/contact/technical").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/en/contact/events", json={"event": "started", "attempt_id": "attempt-0001"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 202


def test_events_are_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, TICKETS_EVENTS_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [event(client, "started", attempt=f"attempt-000{i}").status_code for i in range(4)]
    assert codes == [202, 202, 202, 429]


def test_submitting_records_the_query_only_when_nothing_was_opened(app, client):
    post(client, technical(attempt_id="attempt-aaaa1111", last_query="checkout error call 06-12345678"))
    post(client, technical(attempt_id="attempt-bbbb2222", last_query="refund", suggestion_opened="1"))
    assert stored(app) == [("attempt-aaaa1111", "submitted", None, "checkout error call [phone]"),
                           ("attempt-bbbb2222", "submitted", None, None)]


def test_help_center_views_are_counted_without_cookies(app, client):
    with time_machine.travel(NOW, tick=False):
        search = client.get("/en/search?q=checkout")
        client.get("/en/search?q=refund")
        client.get("/en/search?q=bot", headers={"User-Agent": "Googlebot/2.1"})
        client.get("/en/contact/")
        client.get("/en/articles/does-not-exist")  # 404: not a view
    assert search.status_code == 200 and "Set-Cookie" not in search.headers
    with app.app_context():
        rows = [(r.day.isoformat(), r.views) for r in db.session.scalars(select(HelpCenterVisitDaily))]
    assert rows == [("2026-11-17", 2)]


def _seed(session, attempt, *events, minutes_ago=60, query=None):
    for name in events:
        session.add(DeflectionEvent(attempt_id=attempt, event=name, form_slug="technical", locale="en",
                                    query=query if name in ("abandoned", "submitted") else None,
                                    created_at=NOW - timedelta(minutes=minutes_ago)))


def test_report_rates(app):
    from portal.tickets.models import Ticket

    with app.app_context():
        session = db.session
        _seed(session, "a1", "started", "suggestions_shown", "suggestion_opened", "solved")  # explicit
        _seed(session, "a2", "started", "suggestions_shown", "suggestion_opened")  # left after opening: likely
        _seed(session, "a3", "started", "suggestion_opened", minutes_ago=10)  # still reading: not counted yet
        _seed(session, "a4", "started", "submitted", query="vat on invoices")  # sent, nothing opened
        _seed(session, "a5", "started", "abandoned", query="VAT on invoices")
        _seed(session, "a5", "submitted", query="vat on invoices", minutes_ago=5)  # came back and sent it
        _seed(session, "a6", "started", "submitted", "withdrawn")  # withdrawn after submitting
        _seed(session, "old", "started", "solved", minutes_ago=60 * 24 * 40)  # outside the window
        for ref, email in (("T-2026-000001", "a@x.example"), ("T-2026-000002", "A@x.example")):
            session.add(Ticket(reference=ref, public_token=ref, form_slug="technical", locale="en", email=email,
                               subject="s", created_at=NOW - timedelta(hours=1)))
        session.add(HelpCenterVisitDaily(day=NOW.date(), views=30))
        session.commit()
        report = analytics.report(session, now=NOW)
    assert report["attempts"] == 6
    assert report["solved"] == 1 and report["withdrawn"] == 1
    assert report["explicit_rate"] == pytest.approx(2 / 6)
    assert report["left_after_opening"] == 1 and report["likely_rate"] == pytest.approx(1 / 6)
    assert report["submitters"] == 1  # one person, two tickets (addresses compared case-insensitively)
    assert report["self_service_score"] == pytest.approx(30.0)
    assert report["unanswered_queries"] == [("vat on invoices", 2)]
    today = report["daily"][0]
    assert today["day"] == NOW.date() and today["started"] == 6 and today["views"] == 30
    assert len(report["daily"]) == 30


def test_empty_report_has_no_division_by_zero(app):
    with app.app_context():
        report = analytics.report(db.session, now=NOW)
    assert report["explicit_rate"] is None and report["self_service_score"] is None


def test_staff_report_page_and_access(app, client, staff, login):
    assert client.get("/staff/tickets/").status_code in (302, 401)
    post(client, technical(subject="Staff can see me"))
    writer = staff("writer")
    login(client, writer)
    page = client.get("/staff/tickets/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Deflected (explicit)" in html and "Self-service score" in html
    assert "Staff can see me" in html and "pending" in html  # delivery state of the e-mail to support
    dashboard = client.get("/staff/").get_data(as_text=True)
    assert "/staff/tickets/" in dashboard


def test_staff_download_attachments_customers_cannot(app, client, staff, login):
    from tests.test_tickets import png

    post(client, technical(screenshot=(png(), "my shot.png")))
    with app.app_context():
        from portal.tickets.models import TicketAttachment

        attachment_id = db.session.scalars(select(TicketAttachment.id)).one()
    url = f"/staff/tickets/attachments/{attachment_id}"
    assert client.get(url).status_code in (302, 401)
    login(client, staff("operator"))
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "attachment" in response.headers["Content-Disposition"] and "my shot.png" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\x89PNG")
    response.close()
    assert client.get("/staff/tickets/attachments/999999").status_code == 404
