"""Signed links for subscribers (no account needed): confirm, manage, unsubscribe.

A token is ``itsdangerous``-signed ``{"s": subscriber id, "k": link key,
"p": purpose}``. The link key is random per subscriber and never reused, and
the subscriber row dies with unsubscribe and erase: an old e-mail's link
cannot act on a later subscription, even where the database hands the
deleted row's id to the next sign-up (SQLite without AUTOINCREMENT).
Opt-in tokens expire after ``SUBSCRIBE_CONFIRM_MAX_AGE``; manage/unsubscribe
tokens do not expire.

Tokens sent before link keys existed (``{"s", "v", "p"}``, no key) are read
as :class:`LinkClaim` without a key; :func:`portal.status.subscribers.from_token`
accepts them only for the row that already existed when they were signed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

PURPOSE_CONFIRM = "confirm"
PURPOSE_MANAGE = "manage"
#: The salt keeps the former package name: links in e-mails already sent were signed with it.
_SALT = "portal.notify.subscriber"


class InvalidLink(Exception):
    """A signed link that was altered, has expired or is no longer valid."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class LinkClaim:
    """What a valid signature vouches for: the subscriber a link was issued to."""

    subscriber_id: int
    #: The subscriber's random link key; ``None`` for a link from before keys.
    key: str | None
    #: ``token_version`` of a link from before keys (else ``None``).
    version: int | None
    signed_at: datetime


def _serializer() -> URLSafeTimedSerializer:
    # made once per app and key: expanding a broadcast signs one link per recipient
    cached = current_app.extensions.get("portal.status.subscriber_links.serializer")
    if cached is None or cached[0] != current_app.config["SECRET_KEY"]:
        cached = (current_app.config["SECRET_KEY"],
                  URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT))
        current_app.extensions["portal.status.subscriber_links.serializer"] = cached
    return cached[1]


def make_token(subscriber, purpose: str) -> str:
    return _serializer().dumps({"s": subscriber.id, "k": subscriber.link_key, "p": purpose})


def read_token(token: str, purpose: str) -> LinkClaim:
    """What a token made for ``purpose`` claims; raises :class:`InvalidLink`."""
    max_age = None
    if purpose == PURPOSE_CONFIRM:
        max_age = int(current_app.config["SUBSCRIBE_CONFIRM_MAX_AGE"])
    try:
        data, signed_at = _serializer().loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired as exc:
        raise InvalidLink("expired", expired=True) from exc
    except BadSignature as exc:
        raise InvalidLink("bad signature") from exc
    if not isinstance(data, dict) or data.get("p") != purpose:
        raise InvalidLink("wrong purpose")
    try:
        if "k" in data:
            if not isinstance(data["k"], str) or not data["k"]:
                raise TypeError("link key")
            return LinkClaim(int(data["s"]), data["k"], None, signed_at)
        return LinkClaim(int(data["s"]), None, int(data["v"]), signed_at)
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise InvalidLink("malformed") from exc
