"""Subscribers: double opt-in, signed links, one-click unsubscribe, export and erase, rate limits."""
from __future__ import annotations

import email
import json
import re
from datetime import timedelta
from email.policy import default as default_policy
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from portal.db import new_session, session as db_session, utcnow
from portal.outbox import worker
from portal.outbox.models import Message
from portal.status.subscription_models import Subscriber


def _mails(app) -> list[email.message.EmailMessage]:
    files = sorted(Path(app.config["MAIL_DIR"]).glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [email.message_from_bytes(p.read_bytes(), policy=default_policy) for p in files]


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _link(message, kind: str) -> str:
    match = re.search(r"http://portal\.test(/subscriptions/" + kind + r"/[^\s\"<>]+)", _text(message))
    assert match, _text(message)
    return match.group(1)


def _subscribers(app) -> list[Subscriber]:
    with app.app_context():
        s = new_session()
        try:
            return list(s.scalars(select(Subscriber).order_by(Subscriber.id)))
        finally:
            s.close()


@pytest.fixture
def components(app):
    from portal.status import services as status

    with app.app_context():
        made = [status.create_component("Webshop"), status.create_component("Payments")]
        return [(c.id, c.name) for c in made]


def _confirmed_subscriber(app, client, address="ann@example.com", **form):
    response = client.post("/subscriptions/", data={"email": address, **form})
    assert response.status_code == 200, response.data
    worker.drain(app)
    confirm_path = _link(_mails(app)[-1], "confirm")
    client.post(confirm_path)
    return confirm_path


def test_double_opt_in(app, client, components):
    page = client.get("/subscriptions/")
    assert page.status_code == 200 and b'name="email"' in page.data and b"Payments" in page.data
    response = client.post("/subscriptions/", data={"email": "Ann@Example.COM", "locale": "nl",
                                                    "scope": "some", "component": [str(components[1][0])]})
    assert response.status_code == 200 and b"inbox" in response.data
    [subscriber] = _subscribers(app)
    assert (subscriber.address, subscriber.state, subscriber.locale) == ("ann@example.com", "pending", "nl")
    assert worker.drain(app) == 1
    [optin] = _mails(app)
    assert optin["To"] == "ann@example.com"
    confirm_path = _link(optin, "confirm")
    # opening the link shows a button; a link checker's GET confirms nothing
    page = client.get(confirm_path)
    assert page.status_code == 200 and b"<form" in page.data
    assert _subscribers(app)[0].state == "pending"
    done = client.post(confirm_path)
    assert done.status_code == 302 and "/subscriptions/manage/" in done.headers["Location"]
    subscriber = _subscribers(app)[0]
    assert subscriber.state == "confirmed" and subscriber.confirmed_at is not None
    manage = client.get(done.headers["Location"])
    assert manage.status_code == 200 and b"ann@example.com" in manage.data


def test_confirmation_link_expires(app, client):
    client.post("/subscriptions/", data={"email": "late@example.com"})
    worker.drain(app)
    confirm_path = _link(_mails(app)[-1], "confirm")
    with time_machine.travel(utcnow() + timedelta(days=8), tick=False):
        response = client.post(confirm_path)
    assert response.status_code == 400 and b"expired" in response.data
    assert _subscribers(app)[0].state == "pending"


def test_signing_up_again_does_not_reveal_or_change_a_subscription(app, client, components):
    _confirmed_subscriber(app, client, "bob@example.com")
    response = client.post("/subscriptions/", data={"email": "bob@example.com", "scope": "some",
                                                    "component": [str(components[0][0])]})
    assert response.status_code == 200 and b"inbox" in response.data
    worker.drain(app)
    [subscriber] = _subscribers(app)
    assert subscriber.state == "confirmed" and subscriber.all_components  # unchanged
    assert "/subscriptions/manage/" in _text(_mails(app)[-1])


def test_bad_input_is_explained(client):
    response = client.post("/subscriptions/", data={"email": "not an address"})
    assert response.status_code == 400 and b"valid e-mail address" in response.data
    response = client.post("/subscriptions/", data={"email": "a@example.com", "scope": "some"})
    assert response.status_code == 400 and b"at least one component" in response.data
    response = client.post("/subscriptions/webhook", data={"url": "ftp://example.com/x"})
    assert response.status_code == 400 and b"https://" in response.data
    for internal in ("http://127.0.0.1:8000/x", "http://localhost/x", "https://10.1.2.3/hook",
                     "http://[::1]/x", "http://169.254.169.254/latest", "http://intranet/x"):
        response = client.post("/subscriptions/webhook", data={"url": internal})
        assert response.status_code == 400 and b"public address" in response.data, internal


def test_tampered_or_forged_links_are_rejected(app, client):
    _confirmed_subscriber(app, client)
    good = client.get("/subscriptions/").status_code
    assert good == 200
    manage_path = _link(_mails(app)[-1], "confirm").replace("/confirm/", "/manage/")  # wrong purpose
    assert client.get(manage_path).status_code == 400
    with app.app_context():
        from portal.status import subscriber_links as links

        subscriber = _subscribers(app)[0]
        token = links.make_token(subscriber, links.PURPOSE_MANAGE)
    assert client.get(f"/subscriptions/manage/{token}").status_code == 200
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/subscriptions/manage/{tampered}").status_code == 400
    forged_payload = token.replace(token.split(".")[0], "eyJzIjoyLCJ2IjoxLCJwIjoibWFuYWdlIn0")
    assert client.post(f"/subscriptions/unsubscribe/{forged_payload}").status_code == 400
    assert len(_subscribers(app)) == 1


def test_manage_page_changes_components_and_language(app, client, components):
    _confirmed_subscriber(app, client)
    with app.app_context():
        from portal.status import subscriber_links as links

        token = links.make_token(_subscribers(app)[0], links.PURPOSE_MANAGE)
    response = client.post(f"/subscriptions/manage/{token}", data={
        "scope": "some", "component": [str(components[0][0])], "locale": "de"})
    assert response.status_code == 302
    with app.app_context():
        s = new_session()
        subscriber = s.scalars(select(Subscriber)).one()
        assert (subscriber.all_components, subscriber.component_ids, subscriber.locale) == (
            False, [components[0][0]], "de")
        s.close()


def test_one_click_unsubscribe_without_csrf(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        from portal.status import subscriber_links as links
        from portal.status import subscribers

        subscriber = subscribers.subscribe_email(db_session, "carl@example.com")
        subscribers.confirm(db_session, subscriber)
        token = links.make_token(subscriber, links.PURPOSE_MANAGE)
    # a sign-up without the CSRF token is refused...
    assert client.post("/subscriptions/", data={"email": "x@example.com"}).status_code == 400
    # ...but RFC 8058 one-click comes from a mail client, with no token at all
    response = client.post(f"/subscriptions/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert _subscribers(app) == []
    # and the old link is dead now
    assert client.post(f"/subscriptions/unsubscribe/{token}").status_code == 400


def test_export_and_erase(app, client):
    _confirmed_subscriber(app, client, "dora@example.com")
    with app.app_context():
        from portal.status import subscriber_links as links

        token = links.make_token(_subscribers(app)[0], links.PURPOSE_MANAGE)
    exported = client.get(f"/subscriptions/manage/{token}/export")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    data = json.loads(exported.data)
    assert data["subscriber"]["address"] == "dora@example.com"
    assert data["subscriber"]["state"] == "confirmed"
    assert [m["purpose"] for m in data["messages"]] == ["optin"]
    erased = client.post(f"/subscriptions/manage/{token}/erase")
    assert erased.status_code == 200
    assert _subscribers(app) == []
    with app.app_context():
        assert db_session.scalar(select(func.count()).select_from(Message)) == 0  # the opt-in mail too
    assert client.get(f"/subscriptions/manage/{token}/export").status_code == 400


def test_webhook_subscriber_gets_its_secret_once(app, client):
    from tests.notify_helpers import WebhookReceiver

    app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # the receiver (answers the verification ping) is local
    with WebhookReceiver() as receiver:
        response = client.post("/subscriptions/webhook", data={"url": receiver.url})
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
        [subscriber] = _subscribers(app)
        assert subscriber.state == "confirmed" and subscriber.secret
        assert subscriber.secret.encode() in response.data
        again = client.post("/subscriptions/webhook", data={"url": receiver.url})
        assert again.status_code == 400 and subscriber.secret.encode() not in again.data
        assert len(receiver.requests) == 1  # the one verification ping


def test_sign_ups_are_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, SUBSCRIBE_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [client.post("/subscriptions/", data={"email": f"r{n}@example.com"}).status_code for n in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert len(_subscribers(app)) == 3


def test_status_pages_carry_the_subscribe_form(app, client):
    from portal.status import services as status

    with app.app_context():
        shop = status.create_component("Webshop")
        status.create_component("Payments")
        incident = status.create_incident("Slow checkout", components={shop: "degraded_performance"})
        public_id, shop_id = incident.public_id, shop.id
    page = client.get("/en/status").get_data(as_text=True)
    assert 'action="/subscriptions/"' in page and 'name="email"' in page and "Payments" in page
    follow = client.get(f"/en/status/incidents/{public_id}").get_data(as_text=True)
    assert 'action="/subscriptions/"' in follow
    assert f'name="component" value="{shop_id}"' in follow and "Payments" not in follow.split("subscribe")[-1]
    # following the incident subscribes to its components only
    client.post("/subscriptions/", data={"email": "f@example.com", "scope": "some", "component": [str(shop_id)]})
    [subscriber] = _subscribers(app)
    assert subscriber.all_components is False
