"""SMS and chat subscribers: sign-up, verification, STOP.

* SMS: the number is parsed to E.164 (``phonenumbers``); a 6-digit code goes
  out by SMS through the outbox; only its keyed hash is stored, it expires
  after ``SMS_CODE_MAX_AGE`` seconds and allows ``SMS_CODE_MAX_ATTEMPTS``
  wrong guesses. A number that replies STOP (reported by the gateway's
  inbound webhook) is ``stopped`` and gets nothing more.
* Webhooks (generic, Slack, Teams): the endpoint is pinged when it is added
  (for Slack and Teams the ping is a formatted test message); the subscriber
  exists, active, only if that ping was answered 2xx.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from datetime import timedelta

import phonenumbers
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.outbox import webhooks
from portal.outbox.models import STATE_FAILED, STATE_PENDING, Message
from portal.outbox.rendering import in_locale, normalize_locale
from portal.outbox.services import enqueue_sms
from portal.status import chat_formats
from portal.status.subscribers import (
    SubscriptionError,
    check_webhook_url,
    checked_component_ids,
    find_subscriber,
    set_components,
)
from portal.status.subscription_models import (
    CHAT_CHANNELS,
    SUBSCRIBER_CONFIRMED,
    SUBSCRIBER_PENDING,
    SUBSCRIBER_SMS,
    SUBSCRIBER_STOPPED,
    SUBSCRIBER_WEBHOOK,
    Subscriber,
)


def sms_enabled() -> bool:
    return bool(current_app.config.get("SMS_PROVIDER"))


def normalize_phone(number: str) -> str:
    """``number`` in E.164 (``+31201234567``), or a :class:`SubscriptionError`."""
    region = current_app.config["SMS_DEFAULT_REGION"] or None
    try:
        parsed = phonenumbers.parse((number or "").strip()[:40], region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise SubscriptionError(_("Please enter your mobile number with its country code, e.g. +31 6 12345678."))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _code_hash(address: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"sms-code:{address}:{code}".encode(), hashlib.sha256).hexdigest()


def subscribe_sms(session: Session, phone: str, *, locale: str | None = None, component_ids=(),
                  all_components: bool | None = None) -> Subscriber:
    """Sign up a number (or send a new code) and queue the code SMS. The caller commits.

    A confirmed number keeps its subscription until the new code is entered,
    so nobody can change another person's subscription by typing their number.
    """
    if not sms_enabled():
        raise SubscriptionError(_("Text messages are not available here."))
    address = normalize_phone(phone)
    ids = checked_component_ids(session, component_ids)
    everything = (not ids) if all_components is None else all_components
    subscriber = find_subscriber(session, SUBSCRIBER_SMS, address)
    if subscriber is None:
        subscriber = Subscriber(channel=SUBSCRIBER_SMS, address=address, state=SUBSCRIBER_PENDING,
                                token_version=1, subscriptions=[])
        session.add(subscriber)
    if subscriber.state != SUBSCRIBER_CONFIRMED:
        subscriber.locale = normalize_locale(locale)
        set_components(subscriber, everything, ids)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    subscriber.verify_hash = _code_hash(address, code)
    subscriber.verify_expires_at = utcnow() + timedelta(seconds=int(current_app.config["SMS_CODE_MAX_AGE"]))
    subscriber.verify_attempts = 0
    session.flush()
    with in_locale(subscriber.locale):
        body = _("%(code)s is your %(site)s status code.", code=code, site=current_app.config["SITE_NAME"])
    enqueue_sms(session, to=address, body=body, key=f"sms-code:{subscriber.id}:{uuid.uuid4().hex}",
                purpose="optin", subscriber_id=subscriber.id)
    return subscriber


def verify_sms(session: Session, subscriber: Subscriber, code: str) -> Subscriber:
    """Confirm with the code; commits either way (a wrong guess is counted)."""
    limit = int(current_app.config["SMS_CODE_MAX_ATTEMPTS"])
    if (not subscriber.verify_hash or subscriber.verify_expires_at is None
            or subscriber.verify_expires_at < utcnow() or subscriber.verify_attempts >= limit):
        raise SubscriptionError(_("This code has expired. Please sign up again to get a new one."))
    code = "".join(c for c in (code or "") if c.isdigit())
    if not hmac.compare_digest(_code_hash(subscriber.address, code), subscriber.verify_hash):
        subscriber.verify_attempts += 1
        session.commit()
        raise SubscriptionError(_("That code is not right. Please check the text message and try again."))
    subscriber.state = SUBSCRIBER_CONFIRMED
    subscriber.confirmed_at = utcnow()
    subscriber.verify_hash = None
    subscriber.verify_expires_at = None
    subscriber.verify_attempts = 0
    session.commit()
    return subscriber


def stop_number(session: Session, number: str) -> int:
    """The gateway reported STOP from ``number``: nothing more goes to it. Commits."""
    try:
        address = phonenumbers.format_number(phonenumbers.parse(number, None), phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return 0
    subscribers = session.scalars(select(Subscriber).where(Subscriber.channel == SUBSCRIBER_SMS,
                                                           Subscriber.address == address)).all()
    for subscriber in subscribers:
        subscriber.state = SUBSCRIBER_STOPPED
        subscriber.verify_hash = None
        session.execute(delete(Message).where(Message.subscriber_id == subscriber.id,
                                              Message.state.in_((STATE_PENDING, STATE_FAILED))))
    session.commit()
    return len(subscribers)


# -- webhooks: generic, Slack, Teams --------------------------------------------

def _ping_body(kind: str, subscriber: Subscriber) -> str:
    from portal.status import statuspage

    with in_locale(subscriber.locale):
        if kind in CHAT_CHANNELS:
            document = chat_formats.welcome(kind)
        else:
            document = {"meta": {"generated_at": utcnow().isoformat(), "event": "ping"},
                        "page": {"id": statuspage.page_id()},
                        "ping": {"message": _("Your webhook is subscribed to %(site)s status updates.",
                                              site=current_app.config["SITE_NAME"])}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def subscribe_hook(session: Session, kind: str, url: str, *, locale: str | None = None, component_ids=(),
                   all_components: bool | None = None) -> tuple[Subscriber, str | None]:
    """A webhook subscriber of ``kind`` ("webhook" | "slack" | "teams") and, for
    a generic webhook, its signing secret. The endpoint is pinged now; anything
    but 2xx is a :class:`SubscriptionError` (the caller rolls back)."""
    if kind not in (SUBSCRIBER_WEBHOOK, *CHAT_CHANNELS):
        raise SubscriptionError(_("Choose a kind of webhook."))
    address = check_webhook_url(url)
    ids = checked_component_ids(session, component_ids)
    everything = (not ids) if all_components is None else all_components
    if find_subscriber(session, kind, address) is not None:
        raise SubscriptionError(_("This webhook is already subscribed. Use its manage link to change it."))
    secret = secrets.token_urlsafe(32) if kind == SUBSCRIBER_WEBHOOK else None
    subscriber = Subscriber(channel=kind, address=address, locale=normalize_locale(locale),
                            state=SUBSCRIBER_PENDING, secret=secret, token_version=1, subscriptions=[])
    set_components(subscriber, everything, ids)
    session.add(subscriber)
    session.flush()
    timeout = float(current_app.config["WEBHOOK_VERIFY_TIMEOUT"])
    try:
        webhooks.post(address, _ping_body(kind, subscriber), secret=secret, key=f"verify:{subscriber.link_key}",
                      timeout=timeout)
    except webhooks.WebhookError as exc:
        raise SubscriptionError(_("Your endpoint did not accept our test message (%(error)s). Nothing was "
                                  "subscribed; please check the address and try again.", error=str(exc)[:200]))
    subscriber.state = SUBSCRIBER_CONFIRMED
    subscriber.confirmed_at = utcnow()
    return subscriber, secret
