"""The ticket form that deflects: configured forms, suggestions, PII guard, routing.

``init_app`` registers the staff report link and the cookie-less help-center
page-view counter (the denominator of the self-service score).
"""
from __future__ import annotations

import logging

from flask import Flask
from flask_babel import lazy_gettext as _l

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    from portal.tickets import analytics
    from portal.tickets.config import ConfigError, get_config

    app.extensions.setdefault("portal.staff_links", []).append(
        {"endpoint": "tickets_staff.report", "label": _l("Tickets and deflection"), "roles": ("operator", "writer")})
    analytics.init_counter(app)
    try:
        get_config(app)  # say at start-up, not at the first customer, that the file is wrong
    except ConfigError as err:
        log.error("tickets configuration %s is invalid (the contact form answers 503 until it is fixed): %s",
                  err.source, "; ".join(err.problems))
