"""Fan-out of incident updates and announcements to subscribers, and the delivery log."""
from __future__ import annotations

import email
import hashlib
import hmac
import json
import re
from datetime import timedelta
from email.policy import default as default_policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.db import new_session, session as db_session, utcnow
from portal.outbox import worker
from portal.outbox.models import Message
from portal.status import fanout, subscribers
from portal.status.subscription_models import Broadcast
from tests.notify_helpers import WebhookReceiver


def _count(app, model, *where) -> int:
    with app.app_context():
        s = new_session()
        try:
            return s.scalar(select(func.count()).select_from(model).where(*where))
        finally:
            s.close()


def _mails(app) -> list:
    return [email.message_from_bytes(p.read_bytes(), policy=default_policy)
            for p in sorted(Path(app.config["MAIL_DIR"]).glob("broadcast-*.eml"))]


@pytest.fixture
def world(app):
    """Two components and subscribers: all, Webshop only, Payments only, one unconfirmed, one webhook."""
    from portal.status import services as status

    receiver = WebhookReceiver().__enter__()
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # the test receiver listens on 127.0.0.1
    app.config["WEBHOOK_COMPONENT_UPDATES"] = False  # counted here: incident broadcasts only
    with app.app_context():
        webshop = status.create_component("Webshop")
        payments = status.create_component("Payments")

        def confirmed(address, locale="en", ids=()):
            sub = subscribers.subscribe_email(db_session, address, locale=locale, component_ids=ids)
            subscribers.confirm(db_session, sub)
            return sub

        confirmed("all@example.com", "nl")
        confirmed("shop@example.com", "de", [webshop.id])
        confirmed("pay@example.com", "en", [payments.id])
        subscribers.subscribe_email(db_session, "unconfirmed@example.com")
        hook, secret = subscribers.subscribe_webhook(db_session, receiver.url, component_ids=[webshop.id])
        db_session.commit()
        db_session.execute(Message.__table__.delete())  # forget the opt-in mails
        db_session.commit()
        yield {"webshop": webshop.id, "payments": payments.id, "receiver": receiver, "secret": secret}
    receiver.__exit__(None, None, None)


def _incident(app, component_id, notify=True):
    from portal.status import services as status
    from portal.status.models import Component

    with app.app_context():
        component = db_session.get(Component, component_id)
        incident = status.create_incident("Checkout errors", components={component: "major_outage"},
                                          body="Payments **fail** at checkout.", notify=notify)
        return incident.id


def test_posting_writes_one_broadcast_and_the_worker_expands_it_once_per_subscriber(app, world):
    _incident(app, world["webshop"])
    # the operator's transaction wrote ONE row, no per-subscriber messages
    assert _count(app, Broadcast) == 1 and _count(app, Message) == 0
    assert worker.drain(app) == 3
    recipients = {m["To"] for m in _mails(app)}
    assert recipients == {"all@example.com", "shop@example.com"}  # not Payments-only, not unconfirmed
    assert len(world["receiver"].requests) == 1
    # draining again sends nothing more
    assert worker.drain(app) == 0 and len(_mails(app)) == 2


def test_email_is_text_and_html_in_the_subscribers_language_with_unsubscribe_headers(app, world):
    _incident(app, world["webshop"])
    worker.drain(app)
    mail = next(m for m in _mails(app) if m["To"] == "all@example.com")
    assert "Checkout errors" in mail["Subject"]
    assert "Payments **fail** at checkout." in mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert '<html lang="nl">' in html and "<strong>fail</strong>" in html
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(http://portal\.test(/subscriptions/unsubscribe/\S+))>", mail["List-Unsubscribe"])
    assert unsubscribe and unsubscribe.group(1) in mail.get_body(("plain",)).get_content()
    assert mail["Message-ID"].startswith("<") and mail["Precedence"] == "bulk"
    # RFC 8058: the mail client POSTs, without cookies or CSRF token
    client = app.test_client()
    response = client.post(unsubscribe.group(2), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with app.app_context():
        from portal.status.subscription_models import Subscriber

        assert db_session.scalar(select(Subscriber).where(Subscriber.address == "all@example.com")) is None


def test_webhook_payload_is_statuspage_shaped_and_signed(app, world):
    _incident(app, world["webshop"])
    worker.drain(app)
    [request] = world["receiver"].requests
    expected = "sha256=" + hmac.new(world["secret"].encode(), request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Portal-Signature"] == expected
    payload = json.loads(request["body"])
    assert set(payload) >= {"meta", "page", "incident"}
    assert payload["meta"]["unsubscribe"].startswith("http://portal.test/subscriptions/unsubscribe/")
    assert payload["page"]["status_indicator"] in ("minor", "major", "critical")
    incident = payload["incident"]
    assert incident["name"] == "Checkout errors" and incident["status"] == "investigating"
    assert incident["incident_updates"][0]["body"] == "Payments **fail** at checkout."
    assert [c["name"] for c in incident["components"]] == ["Webshop"]
    assert request["headers"]["Idempotency-Key"].startswith("broadcast:")


def test_operator_can_choose_not_to_notify(app, world):
    _incident(app, world["webshop"], notify=False)
    assert _count(app, Broadcast) == 0
    assert worker.drain(app) == 0


def test_crash_mid_expansion_never_duplicates(app, world, monkeypatch):
    app.config["BROADCAST_CHUNK_SIZE"] = 1
    _incident(app, world["payments"])  # reaches all@ and pay@
    real = fanout.message_values
    calls = {"n": 0}

    def crash_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(fanout, "message_values", crash_on_second)
    with pytest.raises(RuntimeError):
        worker.expand_broadcasts(app)
    assert _count(app, Message) == 1  # the first chunk was committed with the cursor
    monkeypatch.setattr(fanout, "message_values", real)
    later = utcnow() + timedelta(seconds=app.config["WORKER_LEASE_SECONDS"] + 1)
    worker.expand_broadcasts(app, now=later)  # the lease ran out: another worker resumes
    assert _count(app, Message) == 2
    # even a rewound cursor (a crash between insert and cursor update) adds nothing
    with app.app_context():
        db_session.execute(Broadcast.__table__.update().values(state="pending", cursor=0, claimed_until=None))
        db_session.commit()
    worker.expand_broadcasts(app, now=later)
    assert _count(app, Message) == 2
    keys = [m.key for m in _messages(app)]
    assert len(set(keys)) == 2


def _messages(app):
    with app.app_context():
        s = new_session()
        try:
            return list(s.scalars(select(Message)))
        finally:
            s.close()


def test_maintenance_scheduled_reaches_subscribers(app, world):
    from portal.status import services as status
    from portal.status.models import Component

    with app.app_context():
        webshop = db_session.get(Component, world["webshop"])
        start = utcnow() + timedelta(days=1)
        status.schedule_maintenance("Database upgrade", start, start + timedelta(hours=2), components=[webshop])
    assert worker.drain(app) == 3
    mail = next(m for m in _mails(app) if m["To"] == "shop@example.com")
    assert "Database upgrade" in mail["Subject"]
    assert "Wartung" in mail["Subject"]  # shop@ subscribed in German


def test_staff_announcement_and_delivery_log(app, world, staff, login):
    client = app.test_client()
    operator = staff("operator")
    login(client, operator)
    assert client.get("/staff/broadcast/").status_code == 200
    bad = client.post("/staff/broadcast/", data={"subject": "", "body": "x"})
    assert bad.status_code == 400 and b"subject" in bad.data
    draft = {"subject": "New payment provider", "body": "From **Monday** we use a new provider.", "component": ""}
    preview = client.post("/staff/broadcast/", data={**draft, "action": "preview"}).get_data(as_text=True)
    assert "Preview" in preview and "email: 3" in preview and "webhook: 1" in preview  # recipients per channel
    unconfirmed = client.post("/staff/broadcast/", data={**draft, "action": "send"})
    assert unconfirmed.status_code == 400  # sending asks for the confirmation first
    test = client.post("/staff/broadcast/", data={**draft, "action": "test"})
    assert test.status_code == 200 and operator.email.encode() in test.data
    with app.app_context():
        tests_sent = db_session.scalars(select(Message).where(Message.purpose == "broadcast_test")).all()
        assert [m.recipient for m in tests_sent] == [operator.email]
        db_session.delete(tests_sent[0])  # keep the drain count below about subscribers
        db_session.commit()
    response = client.post("/staff/broadcast/", data={**draft, "action": "send", "confirm": "yes"})
    assert response.status_code == 302
    detail_url = response.headers["Location"]
    world["receiver"].statuses.extend([500])  # the webhook fails once
    assert worker.drain(app) == 3  # all, shop, pay by e-mail; the webhook failed
    page = client.get(detail_url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "New payment provider" in text and "HTTP 500" in text
    assert re.search(r"Delivered</dt><dd>3<", text) and re.search(r"Failed, will retry</dt><dd>1<", text)
    assert {m["To"] for m in _mails(app)} == {"all@example.com", "shop@example.com", "pay@example.com"}
    listing = client.get("/staff/broadcast/").get_data(as_text=True)
    assert "New payment provider" in listing
    # the receiver is fixed: staff send the failed one again without waiting for the backoff
    retried = client.post(detail_url + "/retry")
    assert retried.status_code == 302
    assert worker.drain(app) == 1
    assert re.search(r"Delivered</dt><dd>4<", client.get(detail_url).get_data(as_text=True))
    assert len(world["receiver"].requests) == 2


def test_broadcast_pages_need_a_staff_role(app, staff, login):
    client = app.test_client()
    assert client.get("/staff/broadcast/").status_code in (302, 401)
    login(client, staff("writer"))
    assert client.get("/staff/broadcast/").status_code == 403
