"""Absolute URLs in messages: always on the public address (``SITE_URL``)."""
from __future__ import annotations

from flask import current_app, has_request_context, url_for


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
