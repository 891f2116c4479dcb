"""Routing: unique references under concurrency, the signed helpdesk webhook, withdrawal."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import yaml
from sqlalchemy import select

from portal import db
from portal.outbox.models import STATE_SENT, Message
from portal.outbox.worker import drain
from portal.tickets import services
from portal.tickets.config import DEFAULT_PATH
from portal.tickets.models import DeflectionEvent, Ticket
from tests.test_tickets import post, technical


def test_references_are_unique_under_concurrency(app):
    """Many threads, each its own session and transaction, never share a number."""
    got: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker():
        try:
            with app.app_context():
                for _ in range(5):
                    session = db.new_session()
                    try:
                        ref = services.next_reference(session, 2030)
                        session.commit()
                    finally:
                        session.close()
                    with lock:
                        got.append(ref)
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(got) == [f"T-2030-{n:06d}" for n in range(1, 31)]


def test_a_rolled_back_ticket_leaves_no_files_and_no_messages(app, client, monkeypatch):
    from pathlib import Path

    from tests.test_tickets import png

    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.analytics, "record", explode)
    response = post(client, technical(screenshot=(png(), "a.png")))
    assert response.status_code == 500
    assert "Nothing you entered was lost" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Ticket)).all() == []
        assert db.session.scalars(select(Message)).all() == []
    assert not list((Path(app.config["UPLOAD_DIR"])).rglob("*.png"))


class _Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def helpdesk():
    _Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Receiver.received
    server.shutdown()
    server.server_close()


def test_webhook_posts_the_ticket_signed_with_hmac(make_app, tmp_path, helpdesk):
    url, received = helpdesk
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    raw["webhook"] = {"url": url, "secret": "s3cret"}
    path = tmp_path / "tickets.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    app = make_app(TICKETS_CONFIG=str(path))
    client = app.test_client()
    assert post(client, technical(urgency="orders")).status_code == 303
    assert drain(app) == 3
    assert len(received) == 1
    headers, body = received[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Portal-Signature"] == expected
    document = json.loads(body)
    assert document["event"] == "ticket.created"
    ticket = document["ticket"]
    assert re.fullmatch(r"T-\d{4}-\d{6}", ticket["reference"])
    assert ticket["priority"] == "urgent" and ticket["urgency"] == "orders"
    assert ticket["fields"]["product"] == "shop" and ticket["email"] == "jan@shop.example"
    assert headers["Idempotency-Key"] == f"ticket:{ticket['reference']}:webhook"


def _sent_page(client, response) -> tuple[str, str]:
    location = response.headers["Location"]
    return location, client.get(location).get_data(as_text=True)


def test_withdrawing_tells_support_once(app, client, monkeypatch):
    monkeypatch.setattr("portal.tickets.views._suggestions", lambda query, lang: [
        {"slug": "checkout-errors", "title": "Fixing checkout errors", "url": "/en/articles/checkout-errors",
         "snippet": "When pay fails…", "score": 1.0, "locale": "en"}])
    response = post(client, technical(attempt_id="attempt-1234abcd"))
    location, html = _sent_page(client, response)
    assert "Fixing checkout errors" in html and 'target="_blank"' in html
    assert "Yes, this answers my question: withdraw my ticket" in html
    token = location.rsplit("/", 1)[1]
    withdrawn = client.post(f"/en/contact/sent/{token}/withdraw", data={"article": "checkout-errors"})
    assert withdrawn.status_code == 303
    after = client.get(location).get_data(as_text=True)
    assert "Your ticket was withdrawn" in after and "withdraw my ticket" not in after
    client.post(f"/en/contact/sent/{token}/withdraw")  # a second click changes nothing
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.status == "withdrawn" and ticket.withdrawn_at is not None
        notes = db.session.scalars(select(Message).where(Message.key.like("%:withdrawn"))).all()
        assert len(notes) == 1 and notes[0].recipient == "support@example.com"
        assert ticket.reference in notes[0].payload["subject"]
        events = db.session.scalars(select(DeflectionEvent).where(DeflectionEvent.event == "withdrawn")).all()
        assert [(e.attempt_id, e.article_slug) for e in events] == [("attempt-1234abcd", "checkout-errors")]
    assert drain(app) == 3
    with app.app_context():
        assert all(m.state == STATE_SENT for m in db.session.scalars(select(Message)))


def test_confirmation_needs_the_secret_token(client):
    assert client.get("/en/contact/sent/T-2026-000001").status_code == 404
    assert client.post("/en/contact/sent/guess/withdraw").status_code == 404


def test_confirmation_page_lists_real_suggestions_from_the_index(app, client):
    from portal.kb.models import Article
    from portal.search import services as search

    with app.app_context():
        db.session.add(Article(slug="checkout-error-500", locale="en", title="Checkout error 500 after paying",
                               body_md="x", body_text="When the checkout shows error 500 after clicking pay, "
                                                      "clear the payment provider cache.", status="published"))
        db.session.commit()
        search.rebuild_index()
    response = post(client, technical())
    _location, html = _sent_page(client, response)
    assert "Checkout error 500 after paying" in html
    assert 'href="/en/articles/checkout-error-500"' in html
