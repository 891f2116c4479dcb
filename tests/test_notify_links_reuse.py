"""Signed subscriber links never outlive the subscriber they were issued for.

SQLite gives a deleted row's id to the next insert (``INTEGER PRIMARY KEY``
without AUTOINCREMENT), so a link bound only to the id would control the
next person who signs up. These tests run on SQLite and, with
``TEST_DATABASE_URL``, on PostgreSQL.
"""
from __future__ import annotations

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from portal.db import new_session
from portal.status import subscriber_links as links
from portal.status.subscription_models import Subscriber
from tests.test_notify_subscribers import _confirmed_subscriber, _link, _mails, _subscribers
from portal.outbox import worker


def _manage_token(app, client, address):
    _confirmed_subscriber(app, client, address)
    response = client.post("/subscriptions/", data={"email": address})  # sends the manage link
    assert response.status_code == 200
    worker.drain(app)
    return _link(_mails(app)[-1], "manage").rsplit("/", 1)[1]


@pytest.mark.parametrize("goodbye", ["unsubscribe", "erase"])
def test_old_links_do_not_control_the_next_subscriber(app, client, goodbye):
    old = _manage_token(app, client, "ann@example.com")
    ann_id = _subscribers(app)[0].id
    path = f"/subscriptions/unsubscribe/{old}" if goodbye == "unsubscribe" else f"/subscriptions/manage/{old}/erase"
    assert client.post(path).status_code == 200
    assert _subscribers(app) == []

    _confirmed_subscriber(app, client, "bob@example.com")
    (bob,) = _subscribers(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert bob.id == ann_id  # the id really is reused: the test would catch the flaw

    page = client.get(f"/subscriptions/manage/{old}")
    assert page.status_code == 400
    assert b"bob@example.com" not in page.data
    export = client.get(f"/subscriptions/manage/{old}/export")
    assert export.status_code == 400 and b"bob@example.com" not in export.data
    assert client.post(f"/subscriptions/manage/{old}", data={"scope": "all", "locale": "de"}).status_code == 400
    assert client.post(f"/subscriptions/unsubscribe/{old}").status_code == 400
    assert client.post(f"/subscriptions/manage/{old}/erase").status_code == 400
    (still,) = _subscribers(app)
    assert still.address == "bob@example.com" and still.locale == "en"


def test_confirmation_link_of_a_removed_signup_does_not_confirm_the_next(app, client):
    client.post("/subscriptions/", data={"email": "ann@example.com"})
    worker.drain(app)
    ann_confirm = _link(_mails(app)[-1], "confirm")
    old = ann_confirm.rsplit("/", 1)[1]
    # Ann never confirms and leaves through her (signed) unsubscribe page
    with app.app_context():
        s = new_session()
        ann = s.scalars(select(Subscriber)).one()
        manage_token = links.make_token(ann, links.PURPOSE_MANAGE)
        s.close()
    assert client.post(f"/subscriptions/unsubscribe/{manage_token}").status_code == 200
    client.post("/subscriptions/", data={"email": "bob@example.com"})
    assert client.post(f"/subscriptions/confirm/{old}").status_code == 400
    (bob,) = _subscribers(app)
    assert not bob.is_confirmed


def _legacy_token(app, payload: dict, *, signed_at: int) -> str:
    """A token in the format sent before link keys existed ({"s", "v", "p"})."""
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="portal.notify.subscriber")
    with time_machine.travel(signed_at, tick=False):
        return serializer.dumps(payload)


def test_links_sent_before_the_upgrade_keep_working_only_for_their_own_subscriber(app, client):
    _confirmed_subscriber(app, client, "ann@example.com")
    (ann,) = _subscribers(app)
    created = int(ann.created_at.timestamp())
    after_signup = _legacy_token(app, {"s": ann.id, "v": 1, "p": "manage"}, signed_at=created + 60)
    page = client.get(f"/subscriptions/manage/{after_signup}")
    assert page.status_code == 200 and b"ann@example.com" in page.data
    # signed before this row existed: it was issued to an earlier owner of the id
    before_signup = _legacy_token(app, {"s": ann.id, "v": 1, "p": "manage"}, signed_at=created - 60)
    assert client.get(f"/subscriptions/manage/{before_signup}").status_code == 400
    wrong_version = _legacy_token(app, {"s": ann.id, "v": 2, "p": "manage"}, signed_at=created + 60)
    assert client.get(f"/subscriptions/manage/{wrong_version}").status_code == 400


def test_every_subscriber_has_its_own_unguessable_link_key(app, client):
    _confirmed_subscriber(app, client, "ann@example.com")
    _confirmed_subscriber(app, client, "bob@example.com")
    ann, bob = _subscribers(app)
    assert ann.link_key and bob.link_key and ann.link_key != bob.link_key
    assert len(ann.link_key) >= 22
