"""The outbox and its worker: enqueue, idempotency, file and SMTP delivery, webhooks, retries."""
from __future__ import annotations

import email
import hashlib
import hmac
import json
from datetime import timedelta
from email.policy import default as default_policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.db import new_session, session as db_session, utcnow
from portal.outbox import services, worker
from portal.outbox.models import Message
from tests.notify_helpers import SMTPSink, WebhookReceiver, free_port


def _messages(app) -> list[Message]:
    with app.app_context():
        s = new_session()
        try:
            return list(s.scalars(select(Message).order_by(Message.id)))
        finally:
            s.close()


def stored_message_id(app) -> str:
    [message] = _messages(app)
    return message.payload["message_id"]


def _eml_files(app) -> list[Path]:
    return sorted(Path(app.config["MAIL_DIR"]).glob("*.eml"))


def test_enqueue_then_drain_writes_an_eml_file(app):
    with app.app_context():
        msg = services.enqueue_email(
            db_session, to="ann@example.com", subject="Your ticket T-1", text="Hello Ann",
            html="<p>Hello <b>Ann</b></p>", reply_to="help@example.com",
            headers={"X-Ticket": "T-1"}, attachments=[("shot.png", "image/png", b"\x89PNG...")],
            key="ticket:T-1:team", purpose="ticket")
        assert msg.id is not None and msg.state == "pending"
        db_session.commit()
    assert _eml_files(app) == []  # nothing is sent before the worker runs
    assert worker.drain(app) == 1
    files = _eml_files(app)
    assert len(files) == 1 and "ticket-T-1-team" in files[0].name
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=default_policy)
    assert parsed["To"] == "ann@example.com" and parsed["Subject"] == "Your ticket T-1"
    assert parsed["Reply-To"] == "help@example.com" and parsed["X-Ticket"] == "T-1"
    assert parsed["Message-ID"] == stored_message_id(app)
    assert parsed.get_body(("plain",)).get_content().strip() == "Hello Ann"
    assert "<b>Ann</b>" in parsed.get_body(("html",)).get_content()
    attachment = next(parsed.iter_attachments())
    assert attachment.get_filename() == "shot.png" and attachment.get_content() == b"\x89PNG..."
    [stored] = _messages(app)
    assert stored.state == "sent" and stored.attempts == 1 and stored.sent_at is not None
    assert stored.claimed_by is None
    # nothing left: a second drain sends nothing and does not rewrite the file
    assert worker.drain(app) == 0


def test_message_id_is_derived_from_the_key(app):
    with app.app_context():
        one = services.enqueue_email(db_session, to="a@example.com", subject="s", text="t", key="k-1", purpose="ticket")
        assert one.payload["message_id"] == services.message_id_for("k-1")
        assert services.message_id_for("k-1") != services.message_id_for("k-2")
        assert services.message_id_for("k-1").endswith("@example.com>")  # MAIL_FROM's domain


def test_duplicate_key_is_a_noop(app):
    with app.app_context():
        first = services.enqueue_email(db_session, to="a@example.com", subject="one", text="t",
                                       key="confirm:42", purpose="confirmation")
        db_session.commit()
        again = services.enqueue_email(db_session, to="b@example.com", subject="two", text="t",
                                       key="confirm:42", purpose="confirmation")
        db_session.commit()
        assert again.id == first.id and again.payload["subject"] == "one"
        assert db_session.scalar(select(func.count()).select_from(Message)) == 1
        assert db_session.scalar(select(Message.recipient)) == "a@example.com"


def test_rollback_leaves_no_message(app):
    with app.app_context():
        services.enqueue_email(db_session, to="a@example.com", subject="s", text="t", key="gone", purpose="ticket")
        services.enqueue_webhook(db_session, url="http://127.0.0.1:9/x", payload={"a": 1}, key="gone-hook",
                                 purpose="ticket")
        db_session.rollback()
        assert db_session.scalar(select(func.count()).select_from(Message)) == 0
    assert worker.drain(app) == 0 and _eml_files(app) == []


def test_bad_input_is_refused(app):
    with app.app_context():
        with pytest.raises(services.OutboxError):
            services.enqueue_email(db_session, to="not-an-address", subject="s", text="t", key="x", purpose="ticket")
        with pytest.raises(services.OutboxError):
            services.enqueue_webhook(db_session, url="file:///etc/passwd", payload={}, key="y", purpose="ticket")
        with pytest.raises(services.OutboxError):
            services.enqueue_email(db_session, to="a@example.com", subject="s", text="t", key="", purpose="ticket")


def _smtp_app(make_app, port, **extra):
    return make_app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5,
                    WORKER_BACKOFF_SECONDS=60, **extra)


def test_smtp_delivery_reuses_one_connection(make_app):
    with SMTPSink() as sink:
        app = _smtp_app(make_app, sink.port)
        with app.app_context():
            for n in range(5):
                services.enqueue_email(db_session, to=f"user{n}@example.com", subject=f"Hello {n}",
                                       text=f"Body {n}", html=f"<p>Body {n}</p>", key=f"smtp-{n}", purpose="ticket")
            db_session.commit()
        assert worker.drain(app) == 5
    assert sink.connections == 1
    assert sorted(m["To"] for m in sink.messages) == [f"user{n}@example.com" for n in range(5)]
    assert [rcpts for _from, rcpts in sink.envelopes][0] == ["user0@example.com"]
    assert sink.envelopes[0][0] == "support@example.com"
    first = sink.messages[0]
    assert first.is_multipart() and first.get_body(("html",)) is not None
    assert len(set(sink.message_ids())) == 5


def test_dead_smtp_server_backs_off_then_delivers_once(make_app):
    port = free_port()
    app = _smtp_app(make_app, port)
    with app.app_context():
        for n in range(3):
            services.enqueue_email(db_session, to=f"u{n}@example.com", subject="s", text="t",
                                   key=f"down-{n}", purpose="ticket")
        db_session.commit()
    start = utcnow()
    assert worker.drain(app, now=start) == 0  # connection refused: nothing sent, nothing lost
    messages = _messages(app)
    assert [m.state for m in messages] == ["failed"] * 3
    assert all(m.next_attempt_at > start + timedelta(seconds=40) for m in messages)
    assert all("unavailable" in m.last_error for m in messages)
    # still down much later, past what would be max attempts: never given up
    later = start
    for _ in range(12):
        later = later + timedelta(hours=2)
        worker.drain(app, now=later)
    assert {m.state for m in _messages(app)} == {"failed"}
    with SMTPSink(port=port) as sink:
        assert worker.drain(app, now=later + timedelta(hours=2)) == 3
        assert worker.drain(app, now=later + timedelta(hours=4)) == 0
    assert sorted(sink.message_ids().values()) == [1, 1, 1]
    assert {m.state for m in _messages(app)} == {"sent"}


def test_refused_recipient_is_dead_not_retried(make_app):
    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 No such user"

    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = _smtp_app(make_app, port)
        with app.app_context():
            services.enqueue_email(db_session, to="nobody@example.com", subject="s", text="t", key="r", purpose="ticket")
            services.enqueue_email(db_session, to="nobody2@example.com", subject="s", text="t", key="r2", purpose="ticket")
            db_session.commit()
        worker.drain(app)
    finally:
        controller.stop()
    states = [(m.state, m.attempts) for m in _messages(app)]
    assert states == [("dead", 1), ("dead", 1)]
    assert "550" in _messages(app)[0].last_error


def test_webhook_is_signed_and_carries_an_idempotency_key(app):
    with WebhookReceiver() as receiver, app.app_context():
        services.enqueue_webhook(db_session, url=receiver.url, payload={"ticket": "T-9", "name": "Zoë"},
                                 secret="s3cret", key="ticket:T-9:hook", purpose="ticket")
        db_session.commit()
        assert worker.drain(app) == 1
    [request] = receiver.requests
    expected = "sha256=" + hmac.new(b"s3cret", request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Portal-Signature"] == expected
    assert request["headers"]["Idempotency-Key"] == "ticket:T-9:hook"
    assert int(request["headers"]["X-Portal-Timestamp"]) > 1_700_000_000
    assert json.loads(request["body"]) == {"ticket": "T-9", "name": "Zoë"}
    assert request["headers"]["Content-Type"].startswith("application/json")


def test_webhook_5xx_is_retried_and_4xx_dies_after_one_retry(app):
    with WebhookReceiver(statuses=[503, 404, 500, 404]) as receiver, app.app_context():
        # receives, in order: A→503, B→404, then A→500, B→404 (dead), then A→204
        services.enqueue_webhook(db_session, url=receiver.url + "?a", payload={"n": "A"}, secret="x",
                                 key="hook-A", purpose="ticket")
        services.enqueue_webhook(db_session, url=receiver.url + "?b", payload={"n": "B"}, secret="x",
                                 key="hook-B", purpose="ticket")
        db_session.commit()
        app.config["WEBHOOK_CONCURRENCY"] = 1
        now = utcnow()
        assert worker.drain(app, now=now) == 0
        assert worker.drain(app, now=now + timedelta(hours=1)) == 0
        a, b = _messages(app)
        assert (a.state, b.state) == ("failed", "dead") and b.attempts == 2 and "404" in b.last_error
        assert worker.drain(app, now=now + timedelta(hours=3)) == 1
    assert [r["path"] for r in receiver.requests] == ["/hook?a", "/hook?b", "/hook?a", "/hook?b", "/hook?a"]
    assert [m.state for m in _messages(app)] == ["sent", "dead"]


def test_gives_up_after_max_attempts(app):
    app.config["WORKER_MAX_ATTEMPTS"] = 3
    with WebhookReceiver(statuses=[500] * 10) as receiver, app.app_context():
        services.enqueue_webhook(db_session, url=receiver.url, payload={}, key="flaky", purpose="ticket")
        db_session.commit()
        now = utcnow()
        for hours in range(0, 40, 5):
            worker.drain(app, now=now + timedelta(hours=hours))
    [message] = _messages(app)
    assert (message.state, message.attempts) == ("dead", 3) and len(receiver.requests) == 3


def test_expired_lease_is_reclaimed(app):
    with app.app_context():
        services.enqueue_email(db_session, to="a@example.com", subject="s", text="t", key="lease", purpose="ticket")
        db_session.commit()
        now = utcnow()
        s = new_session()
        ids = worker.claim(s, "dead-worker:1", 10, now, timedelta(seconds=120))
        s.close()
        assert len(ids) == 1
    # the claiming worker "died": nobody else may take it while the lease runs
    assert worker.drain(app, now=now + timedelta(seconds=60)) == 0
    assert worker.drain(app, now=now + timedelta(seconds=121)) == 1
    assert len(_eml_files(app)) == 1
