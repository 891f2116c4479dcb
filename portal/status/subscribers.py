"""Subscribers: sign-up with double opt-in, manage, unsubscribe, export, erase.

E-mail subscribers start ``pending`` and receive a confirmation mail with a
signed link; only confirmed subscribers receive broadcasts. Signing up again
with a confirmed address changes nothing and sends a "manage your
subscription" mail instead, so nobody can change another person's
subscription or learn whether an address is subscribed.

Webhook subscribers get a signing secret, shown once, and their manage link.
"""
from __future__ import annotations

import hmac
import ipaddress
import secrets
import uuid
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.outbox import addresses
from portal.outbox.links import external_url
from portal.outbox.models import CHANNEL_EMAIL, CHANNEL_WEBHOOK, STATE_FAILED, STATE_PENDING, Message
from portal.outbox.rendering import in_locale, normalize_locale, render_mail
from portal.outbox.services import enqueue_email
from portal.status import subscriber_links as links
from portal.status.subscription_models import SUBSCRIBER_CONFIRMED, SUBSCRIBER_PENDING, Subscriber, Subscription


class SubscriptionError(ValueError):
    """Input a person can correct; the message is translated and shown as is."""


def normalize_email(address: str) -> str:
    """The shared address check (:mod:`portal.outbox.addresses`), as a subscription error."""
    try:
        return addresses.normalize_email(address)
    except addresses.AddressError as exc:
        raise SubscriptionError(str(exc)) from None


def check_webhook_url(url: str) -> str:
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        host = None
    if not host or parts.scheme not in ("http", "https") or len(url) > 2000:
        raise SubscriptionError(_("Please enter the full address of your webhook, starting with https://."))
    if _is_internal(host) and not current_app.config.get("WEBHOOK_ALLOW_PRIVATE"):
        # anyone may sign up: do not let them aim the portal at its own network
        raise SubscriptionError(_("Webhooks must point to a public address on the internet."))
    return url


def _is_internal(host: str) -> bool:
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")) or "." not in host:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def _component_ids(session: Session, component_ids) -> list[int]:
    from portal.status.models import Component

    wanted = {int(c) for c in (component_ids or ()) if str(c).strip().isdigit()}
    if not wanted:
        return []
    found = set(session.scalars(select(Component.id).where(Component.id.in_(wanted))))
    if found != wanted:
        raise SubscriptionError(_("One of the chosen components does not exist any more. Please choose again."))
    return sorted(found)


def _set_components(subscriber: Subscriber, all_components: bool, component_ids: list[int]) -> None:
    if not all_components and not component_ids:
        raise SubscriptionError(_("Choose at least one component, or all of them."))
    subscriber.all_components = all_components
    keep = set() if all_components else set(component_ids)
    subscriber.subscriptions = [s for s in subscriber.subscriptions if s.component_id in keep]
    have = {s.component_id for s in subscriber.subscriptions}
    for component_id in sorted(keep - have):
        subscriber.subscriptions.append(Subscription(component_id=component_id))


def _find(session: Session, channel: str, address: str) -> Subscriber | None:
    return session.scalars(select(Subscriber).where(Subscriber.channel == channel,
                                                    Subscriber.address == address)).first()


def subscribe_email(session: Session, email: str, *, locale: str | None = None,
                    component_ids=(), all_components: bool | None = None) -> Subscriber:
    """Sign up (or re-send the link); queues the opt-in mail. The caller commits."""
    address = normalize_email(email)
    ids = _component_ids(session, component_ids)
    everything = (not ids) if all_components is None else all_components
    subscriber = _find(session, CHANNEL_EMAIL, address)
    if subscriber is not None and subscriber.is_confirmed:
        _send_manage_link(session, subscriber)
        return subscriber
    if subscriber is None:
        subscriber = Subscriber(channel=CHANNEL_EMAIL, address=address, state=SUBSCRIBER_PENDING,
                                token_version=1, subscriptions=[])
        session.add(subscriber)
    subscriber.locale = normalize_locale(locale)
    _set_components(subscriber, everything, ids)
    session.flush()
    _send_optin(session, subscriber)
    return subscriber


def _send_optin(session: Session, subscriber: Subscriber) -> None:
    with in_locale(subscriber.locale):
        confirm_url = external_url("notify.confirm", token=links.make_token(subscriber, links.PURPOSE_CONFIRM))
        body = render_mail("status/email/optin", confirm_url=confirm_url)
        subject = _("Please confirm your subscription to %(site)s status updates",
                    site=current_app.config["SITE_NAME"])
    enqueue_email(session, to=subscriber.address, subject=subject, text=body["text"], html=body["html"],
                  key=f"optin:{subscriber.id}:{uuid.uuid4().hex}", purpose="optin",
                  subscriber_id=subscriber.id)


def _send_manage_link(session: Session, subscriber: Subscriber) -> None:
    with in_locale(subscriber.locale):
        body = render_mail("status/email/manage_link", manage_url=manage_url(subscriber))
        subject = _("Your %(site)s status subscription", site=current_app.config["SITE_NAME"])
    enqueue_email(session, to=subscriber.address, subject=subject, text=body["text"], html=body["html"],
                  key=f"manage:{subscriber.id}:{uuid.uuid4().hex}", purpose="optin",
                  subscriber_id=subscriber.id)


def subscribe_webhook(session: Session, url: str, *, locale: str | None = None,
                      component_ids=(), all_components: bool | None = None) -> tuple[Subscriber, str]:
    """A webhook subscriber and its new signing secret (show it once), active at
    once: for code that vouches for the URL itself (tests, imports). Sign-ups
    go through :func:`portal.status.channels.subscribe_hook`, which pings the
    endpoint first. The caller commits."""
    address = check_webhook_url(url)
    ids = _component_ids(session, component_ids)
    everything = (not ids) if all_components is None else all_components
    if _find(session, CHANNEL_WEBHOOK, address) is not None:
        raise SubscriptionError(_("This webhook is already subscribed. Use its manage link to change it."))
    secret = secrets.token_urlsafe(32)
    subscriber = Subscriber(channel=CHANNEL_WEBHOOK, address=address, locale=normalize_locale(locale),
                            state=SUBSCRIBER_CONFIRMED, confirmed_at=utcnow(), secret=secret,
                            token_version=1, subscriptions=[])
    _set_components(subscriber, everything, ids)
    session.add(subscriber)
    session.flush()
    return subscriber, secret


def manage_url(subscriber: Subscriber) -> str:
    return external_url("notify.manage", token=links.make_token(subscriber, links.PURPOSE_MANAGE))


def unsubscribe_url(subscriber: Subscriber) -> str:
    return external_url("notify.unsubscribe", token=links.make_token(subscriber, links.PURPOSE_MANAGE))


def from_token(session: Session, token: str, purpose: str) -> Subscriber:
    """The subscriber a signed link is for; raises :class:`links.InvalidLink`."""
    claim = links.read_token(token, purpose)
    subscriber = session.get(Subscriber, claim.subscriber_id)
    if subscriber is None or not _issued_to(subscriber, claim):
        raise links.InvalidLink("no longer valid")
    return subscriber


def _issued_to(subscriber: Subscriber, claim: links.LinkClaim) -> bool:
    """True if ``claim`` was issued to this very subscriber, not to an earlier
    owner of the same id (SQLite reuses the id of a deleted row)."""
    if claim.key is not None:
        return hmac.compare_digest(claim.key.encode(), subscriber.link_key.encode())
    # A link from before link keys: it names only id and version. It was
    # issued to this row if the row already existed when it was signed
    # (itsdangerous keeps whole seconds, so compare whole seconds).
    created = int(subscriber.created_at.timestamp())
    return subscriber.token_version == claim.version and created <= int(claim.signed_at.timestamp())


def confirm(session: Session, subscriber: Subscriber) -> Subscriber:
    if not subscriber.is_confirmed:
        subscriber.state = SUBSCRIBER_CONFIRMED
        subscriber.confirmed_at = utcnow()
    session.commit()
    return subscriber


def update(session: Session, subscriber: Subscriber, *, locale: str | None, component_ids=(),
           all_components: bool) -> Subscriber:
    ids = _component_ids(session, component_ids)
    _set_components(subscriber, all_components, ids)
    if locale:
        subscriber.locale = normalize_locale(locale)
    session.commit()
    return subscriber


def _cancel_undelivered(session: Session, subscriber_id: int) -> None:
    session.execute(delete(Message).where(Message.subscriber_id == subscriber_id,
                                          Message.state.in_((STATE_PENDING, STATE_FAILED))))


def unsubscribe(session: Session, subscriber: Subscriber) -> None:
    """Stop everything: the subscriber and its undelivered messages are deleted.

    The delivery log keeps messages already sent (without the subscriber);
    :func:`erase` removes those too.
    """
    _cancel_undelivered(session, subscriber.id)
    session.delete(subscriber)
    session.commit()


def erase(session: Session, subscriber: Subscriber) -> None:
    """GDPR erasure: the subscriber and every message addressed to them."""
    session.execute(delete(Message).where(
        (Message.subscriber_id == subscriber.id) | (Message.recipient == subscriber.address)))
    session.delete(subscriber)
    session.commit()


def export(session: Session, subscriber: Subscriber) -> dict:
    """Everything stored about a subscriber, as JSON-ready data (GDPR access)."""
    from portal.status.models import Component

    names = dict(session.execute(select(Component.id, Component.name)
                                 .where(Component.id.in_(subscriber.component_ids))).all())
    messages = session.scalars(select(Message).where(
        (Message.subscriber_id == subscriber.id) | (Message.recipient == subscriber.address))
        .order_by(Message.id)).all()
    return {
        "subscriber": {
            "channel": subscriber.channel,
            "address": subscriber.address,
            "language": subscriber.locale,
            "state": subscriber.state,
            "all_components": subscriber.all_components,
            "components": [{"id": cid, "name": names.get(cid)} for cid in subscriber.component_ids],
            "subscribed_at": subscriber.created_at.isoformat(),
            "confirmed_at": subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else None,
            "has_webhook_secret": bool(subscriber.secret),
        },
        "messages": [{
            "purpose": m.purpose,
            "subject": m.payload.get("subject"),
            "state": m.state,
            "attempts": m.attempts,
            "created_at": m.created_at.isoformat(),
            "sent_at": m.sent_at.isoformat() if m.sent_at else None,
        } for m in messages],
        "exported_at": utcnow().isoformat(),
    }


#: Shared with :mod:`portal.status.channels` (SMS and webhook sign-ups).
checked_component_ids = _component_ids
find_subscriber = _find
set_components = _set_components
