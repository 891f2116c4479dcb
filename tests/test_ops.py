"""Health checks, request ids and the token-protected Prometheus metrics."""
from __future__ import annotations

import json
import logging

from portal.ops import logs
from tests.search_helpers import add_article


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_needs_the_index_to_follow_the_log(make_app):
    app = make_app()
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503 and "index" in response.get_json()["failing"]
    with app.app_context():
        app.extensions["portal.search.follower"].prepare()
    assert client.get("/readyz").status_code == 200
    other = make_app()  # another server saves; this one has not applied it yet
    add_article(other, title="Waiting")
    add_article(other, title="Still waiting")
    app.config["SEARCH_READY_MAX_LAG"] = 1
    assert "2 changes behind" in client.get("/readyz").get_json()["failing"]["index"]
    app.extensions["portal.search.follower"].step()
    assert client.get("/readyz").status_code == 200


def test_readyz_reports_a_stuck_outbox(make_app):
    from datetime import timedelta

    from portal.db import session, utcnow
    from portal.outbox.models import Message

    app = make_app(SEARCH_FOLLOW_IN_PROCESS=False, OUTBOX_STUCK_SECONDS=60)
    with app.app_context():
        session.add(Message(key="stuck-1", channel="email", purpose="test", recipient="a@example.com",
                            payload={}, next_attempt_at=utcnow() - timedelta(minutes=5)))
        session.commit()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and "outbox" in response.get_json()["failing"]


def test_request_ids_are_kept_or_made(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id <script>" + "x" * 200}).headers["X-Request-ID"]
    assert made and made != "bad id <script>" + "x" * 200


def test_json_log_lines_carry_the_request_id(app):
    formatter = logs.JsonFormatter()
    record = logging.LogRecord("portal.access", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    record.request_id, record.status = "rid-1", 200
    line = json.loads(formatter.format(record))
    assert line["request_id"] == "rid-1" and line["message"] == "GET /x" and line["status"] == 200
    with app.test_request_context("/"):
        from flask import g

        g.request_id = "rid-2"
        record = logging.LogRecord("portal", logging.INFO, __file__, 1, "hello", (), None)
        logs.RequestIdFilter().filter(record)
        assert json.loads(formatter.format(record))["request_id"] == "rid-2"


def test_metrics_need_the_token(make_app):
    assert make_app().test_client().get("/metrics").status_code == 404  # no token: no endpoint
    app = make_app(METRICS_TOKEN="s3cret")
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    client.get("/healthz")
    response = client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for name in ("portal_http_requests_total", "portal_http_request_duration_seconds_bucket",
                 "portal_outbox_depth", "portal_outbox_oldest_due_age_seconds",
                 "portal_search_index_lag_changes", "portal_search_changes_head"):
        assert name in text, name
    assert 'endpoint="/healthz"' in text
