"""SMS, Slack, Teams and Statuspage component_update webhooks, end to end
against local peers: fake Twilio / MessageBird gateways and HTTP receivers."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from portal.db import session as db_session, utcnow
from portal.outbox import sms, worker
from portal.outbox.models import Message
from portal.status.subscription_models import Subscriber
from tests.channel_helpers import FakeGateway
from tests.notify_helpers import WebhookReceiver


def _subscriber(app, channel):
    with app.app_context():
        return db_session.scalars(select(Subscriber).where(Subscriber.channel == channel)).one()


def _component(app, name="Webshop"):
    from portal.status import services as status

    with app.app_context():
        return status.create_component(name).id


def _incident(app, component_id):
    from portal.status import services as status
    from portal.status.models import Component

    with app.app_context():
        component = db_session.get(Component, component_id)
        incident = status.create_incident("Checkout errors", components={component: "major_outage"},
                                          body="Payments fail at checkout.", notify=True)
        return incident.id, incident.public_id


def _sign_up_sms(app, client, gateway, number="+31 6 12345678", locale="nl"):
    response = client.post("/subscriptions/sms", data={"phone": number, "locale": locale})
    assert response.status_code == 302, response.data
    worker.drain(app)
    code = re.search(r"\b(\d{6})\b", gateway.messages[-1]["body"]).group(1)
    return response.headers["Location"], code


# -- text rules ------------------------------------------------------------------

def test_segment_rules_gsm7_extension_and_ucs2():
    assert sms.segments("a" * 160) == sms.Segments("GSM-7", 160, 1)
    assert sms.segments("a" * 161).parts == 2 and sms.segments("a" * 306).parts == 2
    assert sms.segments("€" * 80) == sms.Segments("GSM-7", 160, 1)  # extension characters count twice
    assert sms.segments("€" * 81).parts == 2
    assert sms.segments("ł" * 70) == sms.Segments("UCS-2", 70, 1)  # Polish ł is not GSM-7
    assert sms.segments("ł" * 71).parts == 2 and sms.segments("ł" * 134).parts == 2
    link = " https://status.example.com/s/abcdefghijkl"
    fitted = sms.fit("Störung " * 40, link)
    assert fitted.endswith(link) and sms.segments(fitted).parts == 1
    fitted = sms.fit("Awaria płatności " * 10, link)
    assert fitted.endswith(link) and sms.segments(fitted).parts == 1 and sms.segments(fitted).encoding == "UCS-2"


# -- SMS end to end, per gateway ---------------------------------------------------

@pytest.mark.parametrize("provider", ["twilio", "messagebird"])
def test_sms_signup_verify_and_incident_texts_exactly_once(make_app, provider):
    with FakeGateway(provider) as gateway:
        app = make_app(**gateway.config())
        client = app.test_client()
        webshop = _component(app)
        verify_url, code = _sign_up_sms(app, client, gateway)
        assert gateway.messages[0]["to"] == "+31612345678" and not gateway.rejected
        assert "is je statuscode van" in gateway.messages[0]["body"]  # the subscriber's language (nl)
        assert _subscriber(app, "sms").state == "pending"
        wrong = "000000" if code != "000000" else "111111"
        assert client.post(verify_url, data={"code": wrong}).status_code == 400
        assert client.post(verify_url, data={"code": code}).status_code == 302
        subscriber = _subscriber(app, "sms")
        assert subscriber.state == "confirmed" and subscriber.verify_hash is None and subscriber.locale == "nl"

        incident_id, public_id = _incident(app, webshop)
        worker.drain(app)
        assert len(gateway.messages) == 2
        text = gateway.messages[1]["body"]
        assert text.endswith(f"/s/{public_id}") and "Checkout errors" in text
        with app.app_context():
            from portal.outbox.rendering import in_locale
            from portal.status import display

            with in_locale("nl"):
                assert display.status_label("investigating") in text  # in Dutch
        assert sms.segments(text).parts == 1
        assert gateway.messages[1]["key"]  # the outbox key travels along (a header, or MessageBird's reference)
        # the short link opens the incident
        target = client.get(f"/s/{public_id}")
        assert target.status_code == 302 and public_id in target.headers["Location"]
        assert client.get("/s/nope").status_code == 404

        from portal.status import services as status
        from portal.status.models import Incident

        with app.app_context():
            incident = db_session.get(Incident, incident_id)
            status.post_update(incident, "identified", "Found it.")  # no SMS for an update
            worker.drain(app)
            assert len(gateway.messages) == 2
            status.resolve(incident, "Fixed.")
            worker.drain(app)
        assert len(gateway.messages) == 3
        assert worker.drain(app) == 0 and len(gateway.messages) == 3


def test_sms_code_expires_and_allows_few_attempts(make_app):
    with FakeGateway("twilio") as gateway:
        app = make_app(SMS_CODE_MAX_ATTEMPTS=2, **gateway.config())
        client = app.test_client()
        verify_url, code = _sign_up_sms(app, client, gateway)
        wrong = "000000" if code != "000000" else "111111"
        assert client.post(verify_url, data={"code": wrong}).status_code == 400
        assert client.post(verify_url, data={"code": wrong}).status_code == 400
        # the right code after too many wrong ones: refused
        assert client.post(verify_url, data={"code": code}).status_code == 400
        verify_url, code = _sign_up_sms(app, client, gateway)
        with time_machine.travel(utcnow() + timedelta(minutes=20), tick=False):
            assert client.post(verify_url, data={"code": code}).status_code == 400
        assert _subscriber(app, "sms").state == "pending"
        assert client.post(verify_url, data={"code": code}).status_code == 302


def test_sms_signup_limited_per_number_and_rejects_bad_numbers(make_app):
    with FakeGateway("twilio") as gateway:
        app = make_app(RATELIMIT_ENABLED=True, SMS_NUMBER_RATE_LIMIT="2 per hour",
                       SMS_SIGNUP_RATE_LIMIT="50 per minute", **gateway.config())
        client = app.test_client()
        codes = [client.post("/subscriptions/sms", data={"phone": number}).status_code
                 for number in ("+31612345678", "+31 6 1234 5678", "0031612345678".replace("00", "+", 1))]
        assert codes == [302, 302, 429]
        assert client.post("/subscriptions/sms", data={"phone": "+49 151 23456789"}).status_code == 302
        assert client.post("/subscriptions/sms", data={"phone": "12"}).status_code == 400


def test_twilio_stop_webhook_checks_the_signature_and_stops_the_number(make_app):
    with FakeGateway("twilio") as gateway:
        app = make_app(**gateway.config())
        client = app.test_client()
        webshop = _component(app)
        verify_url, code = _sign_up_sms(app, client, gateway)
        client.post(verify_url, data={"code": code})
        url = "http://localhost/subscriptions/sms/inbound/twilio"
        form = {"From": "+31612345678", "Body": "Stop", "MessageSid": "SM1", "OptOutType": "STOP"}
        payload = url + "".join(k + form[k] for k in sorted(form))
        signature = base64.b64encode(hmac.new(b"tw-token", payload.encode(), hashlib.sha1).digest()).decode()
        assert client.post(url, data=form, headers={"X-Twilio-Signature": "bad"}).status_code == 403
        assert _subscriber(app, "sms").state == "confirmed"
        assert client.post(url, data=form, headers={"X-Twilio-Signature": signature}).status_code == 200
        assert _subscriber(app, "sms").state == "stopped"
        _incident(app, webshop)
        worker.drain(app)
        assert len(gateway.messages) == 1  # the code only: nothing after STOP


def test_messagebird_stop_webhook_verifies_the_jwt(make_app):
    with FakeGateway("messagebird") as gateway:
        app = make_app(MESSAGEBIRD_SIGNING_KEY="mb-signing", **gateway.config())
        client = app.test_client()
        verify_url, code = _sign_up_sms(app, client, gateway)
        client.post(verify_url, data={"code": code})
        url = "http://localhost/subscriptions/sms/inbound/messagebird"
        body = json.dumps({"originator": "31612345678", "payload": "STOP"}).encode()
        with app.app_context():
            token = sms.MessageBirdGateway(app.config).signature(url, body)
            forged = sms.MessageBirdGateway(dict(app.config, MESSAGEBIRD_SIGNING_KEY="other")).signature(url, body)
        headers = {"Content-Type": "application/json"}
        assert client.post(url, data=body, headers={**headers, "MessageBird-Signature-JWT": forged}).status_code == 403
        assert client.post(url, data=body, headers={**headers, "MessageBird-Signature-JWT": token}).status_code == 204
        assert _subscriber(app, "sms").state == "stopped"


# -- Slack and Teams ------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["slack", "teams"])
def test_chat_webhook_is_verified_then_gets_formatted_notices_in_its_language(make_app, kind):
    app = make_app(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_COMPONENT_UPDATES=False)
    client = app.test_client()
    webshop = _component(app)
    with WebhookReceiver(statuses=[500]) as failing:
        assert client.post("/subscriptions/webhook", data={"url": failing.url, "kind": kind}).status_code == 400
    with app.app_context():
        assert db_session.scalars(select(Subscriber)).all() == []
    with WebhookReceiver() as receiver:
        response = client.post("/subscriptions/webhook", data={"url": receiver.url, "kind": kind})
        assert response.status_code == 200
        assert _subscriber(app, kind).state == "confirmed" and len(receiver.requests) == 1  # the test message
        with app.app_context():
            db_session.get(Subscriber, _subscriber(app, kind).id).locale = "de"
            db_session.commit()
        _incident(app, webshop)
        worker.drain(app)
        assert worker.drain(app) == 0 and len(receiver.requests) == 2
        document = receiver.json(-1)
    if kind == "slack":
        assert document["text"] and document["blocks"][0]["type"] == "header"
        assert document["blocks"][0]["text"]["text"] == "Checkout errors"
        attachment = document["attachments"][0]
        assert attachment["color"].startswith("#")
        section = attachment["blocks"][0]["fields"]
        assert "Webshop" in section[1]["text"] and "Komponenten" in section[1]["text"]
        assert attachment["blocks"][1]["elements"][0]["url"].startswith("http")
    else:
        assert document["type"] == "message"
        attachment = document["attachments"][0]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        card = attachment["content"]
        assert card["type"] == "AdaptiveCard" and card["body"][0]["text"] == "Checkout errors"
        assert card["body"][0]["color"] in ("Good", "Warning", "Attention", "Accent")
        facts = {f["title"]: f["value"] for f in card["body"][-1]["facts"]}
        assert facts["Komponenten"] == "Webshop"
        assert card["actions"][0]["type"] == "Action.OpenUrl"


# -- Statuspage component_update ----------------------------------------------------------

def _zulip_reads(payload: dict) -> tuple[str, str]:
    """Zulip's Statuspage integration (zerver/webhooks/statuspage/view.py), as it reads a payload."""
    if "incident" in payload:
        topic = "{name}: {description}".format(name=payload["incident"]["name"],
                                               description=payload["page"]["status_description"])
        body = "**{name}**:\n* State: **{state}**\n* Description: {content}".format(
            name=payload["incident"]["name"], state=payload["incident"]["status"],
            content=payload["incident"]["incident_updates"][0]["body"])
    elif "component" in payload:
        topic = "{name}: {description}".format(name=payload["component"]["name"],
                                               description=payload["page"]["status_description"])
        body = "**{name}** has changed status from **{old_status}** to **{new_status}**.".format(
            name=payload["component"]["name"], old_status=payload["component_update"]["old_status"],
            new_status=payload["component_update"]["new_status"])
    else:
        raise ValueError("unknown-event")
    return topic, body


def test_component_update_webhooks_read_by_a_statuspage_consumer(make_app):
    from portal.status import services as status
    from portal.status.models import Component

    app = make_app(WEBHOOK_ALLOW_PRIVATE=True)
    client = app.test_client()
    webshop = _component(app)
    with WebhookReceiver() as receiver, WebhookReceiver() as slack:
        assert client.post("/subscriptions/webhook", data={"url": receiver.url}).status_code == 200
        assert client.post("/subscriptions/webhook", data={"url": slack.url, "kind": "slack"}).status_code == 200
        with app.app_context():
            status.set_component_status(db_session.get(Component, webshop), "partial_outage")
            db_session.commit()
        worker.drain(app)
        assert len(receiver.requests) == 2 and len(slack.requests) == 1  # component updates: webhooks only
        payload = receiver.json(-1)
        topic, body = _zulip_reads(payload)
        assert topic.startswith("Webshop: ")
        assert body == "**Webshop** has changed status from **operational** to **partial_outage**."
        assert payload["meta"]["unsubscribe"].startswith("http") and payload["page"]["id"]
        assert payload["component"]["id"] == payload["component_update"]["component_id"]
        # an incident still reads as an incident
        _incident(app, webshop)
        worker.drain(app)
        kinds = [("incident" in json.loads(r["body"]), "component" in json.loads(r["body"]))
                 for r in receiver.requests[2:]]
        assert (True, False) in kinds and (False, True) in kinds
        topic, body = _zulip_reads(next(json.loads(r["body"]) for r in receiver.requests[2:]
                                        if "incident" in json.loads(r["body"])))
        assert topic.startswith("Checkout errors: ") and "Payments fail" in body
    with app.app_context():
        assert db_session.scalar(select(Message.id).where(Message.state != "sent")) is None


# -- exactly once across a worker SIGKILL ----------------------------------------------

def test_killed_worker_restarted_sends_every_sms_exactly_once(app, database_url, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from portal.outbox import services
    from tests.test_notify_worker import _states, _wait_for

    with app.app_context():
        for n in range(30):
            services.enqueue_sms(db_session, to=f"+3161234{n:04d}", body=f"Update {n}", key=f"sms-kill:{n}",
                                 purpose="incident")
        db_session.commit()

    def start(gateway):
        env = {**os.environ, "PORTAL_DATA_DIR": str(tmp_path / "worker-data"), "DATABASE_URL": database_url,
               "SECRET_KEY": "test-secret", "PORTAL_WORKER_LEASE_SECONDS": "2", "PORTAL_WORKER_POLL_SECONDS": "0.1",
               "PORTAL_WORKER_BATCH_SIZE": "10", "PORTAL_SMS_TIMEOUT": "30",
               **{f"PORTAL_{k}": str(v) for k, v in gateway.config().items()},
               # this checkout's portal, whichever one the venv's entry point names
               "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        with open(tmp_path / f"worker-{len(list(tmp_path.glob('worker-*')))}.log", "w") as log:
            # the child keeps its own copy of the descriptor
            return subprocess.Popen([sys.executable, "-c", "import sys; from portal.cli import main; sys.exit(main())",
                                     "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)

    with FakeGateway("twilio", hold_at=13) as gateway:
        first = start(gateway)
        try:
            # mid-batch: 13 texts accepted, the 14th request waits at the gateway
            assert gateway.holding.wait(timeout=60), "the worker never reached the 14th text"
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        assert first.returncode == -signal.SIGKILL
        gateway.release.set()  # the held request is dropped, never accepted
        states = _states(app)
        assert states["sent"] == 13 and states.get("sending", 0) > 0

        second = start(gateway)
        try:
            _wait_for(lambda: _states(app) == {"sent": 30}, 60, "every text to be sent")
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=20)
        assert second.returncode == 0
    bodies = [m["body"] for m in gateway.messages]
    assert sorted(bodies) == sorted(f"Update {n}" for n in range(30))  # each exactly once


def test_sms_form_shows_only_with_a_gateway_and_the_code_page_renders(make_app):
    plain = make_app()
    assert b'name="phone"' not in plain.test_client().get("/subscriptions/").data
    with FakeGateway("twilio") as gateway:
        app = make_app(**gateway.config())
        client = app.test_client()
        assert b'name="phone"' in client.get("/subscriptions/").data
        verify_url, _code = _sign_up_sms(app, client, gateway)
        page = client.get(verify_url)
        assert page.status_code == 200 and b'autocomplete="one-time-code"' in page.data
        assert page.headers["Cache-Control"] == "no-store"
        assert client.post("/subscriptions/sms", data={"phone": "+31 6 87654321"}).status_code == 302
