"""Signed links for subscribers (no account needed) and absolute URLs in messages.

A token is ``itsdangerous``-signed ``{"s": subscriber id, "v": token version,
"p": purpose}``. Opt-in tokens expire after ``SUBSCRIBE_CONFIRM_MAX_AGE``;
manage/unsubscribe tokens do not expire but die when the subscriber's
``token_version`` changes (unsubscribe, erase), so a forwarded old e-mail
cannot act on a later subscription.
"""
from __future__ import annotations

from flask import current_app, has_request_context, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

PURPOSE_CONFIRM = "confirm"
PURPOSE_MANAGE = "manage"
_SALT = "portal.notify.subscriber"


class InvalidLink(Exception):
    """A signed link that was altered, has expired or is no longer valid."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.expired = expired


def _serializer() -> URLSafeTimedSerializer:
    # made once per app and key: expanding a broadcast signs one link per recipient
    cached = current_app.extensions.get("portal.notify.serializer")
    if cached is None or cached[0] != current_app.config["SECRET_KEY"]:
        cached = (current_app.config["SECRET_KEY"],
                  URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT))
        current_app.extensions["portal.notify.serializer"] = cached
    return cached[1]


def make_token(subscriber, purpose: str) -> str:
    return _serializer().dumps({"s": subscriber.id, "v": subscriber.token_version, "p": purpose})


def read_token(token: str, purpose: str) -> tuple[int, int]:
    """(subscriber id, token version) from a token made for ``purpose``."""
    max_age = None
    if purpose == PURPOSE_CONFIRM:
        max_age = int(current_app.config.get("SUBSCRIBE_CONFIRM_MAX_AGE") or 7 * 86400)
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidLink("expired", expired=True) from exc
    except BadSignature as exc:
        raise InvalidLink("bad signature") from exc
    if not isinstance(data, dict) or data.get("p") != purpose:
        raise InvalidLink("wrong purpose")
    try:
        return int(data["s"]), int(data["v"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidLink("malformed") from exc


def external_url(endpoint: str, **values) -> str:
    """An absolute URL on ``SITE_URL``, in a request or not (worker, CLI).

    Always the public address, never the host a request came in on: a link in
    an e-mail or webhook made while staff work on an internal address must
    still work for customers.
    """
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    return current_app.config["SITE_URL"].rstrip("/") + path


def site_url(path: str) -> str:
    """``path`` (starting with ``/``) on the public address."""
    return current_app.config["SITE_URL"].rstrip("/") + path
