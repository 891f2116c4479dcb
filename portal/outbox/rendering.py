"""Rendering e-mails from templates, in the recipient's language.

Every mail has a text and an HTML template in its domain's folder
(``templates/<domain>/email/<name>.txt`` and ``.html``, the HTML extending
``outbox/email/_layout.html``).
Rendering runs inside ``flask_babel.force_locale`` and, outside a request
(the worker, the CLI), inside a request context on ``SITE_URL`` so that
``url_for`` and the template globals behave as in a page.
"""
from __future__ import annotations

from contextlib import contextmanager, nullcontext

from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale

from portal.i18n import normalize_locale

__all__ = ["in_locale", "normalize_locale", "render_mail"]


@contextmanager
def in_locale(locale: str):
    """Templates and gettext in ``locale``, with or without a request."""
    outer = nullcontext() if has_request_context() else current_app.test_request_context(
        "/", base_url=current_app.config["SITE_URL"])
    with outer, force_locale(locale):
        # templates read the language from g.lang (portal.i18n); restore the
        # page's own afterwards when rendering inside a request
        missing = object()
        previous = getattr(g, "lang", missing)
        g.lang = locale
        try:
            yield
        finally:
            if previous is missing:
                g.pop("lang", None)
            else:
                g.lang = previous


def render_mail(template: str, /, **context) -> dict:
    """{"text", "html"} of ``<template>.txt`` and ``<template>.html``, e.g.
    ``"status/email/incident"`` (call inside :func:`in_locale`)."""
    context.setdefault("site_name", current_app.config["SITE_NAME"])
    context.setdefault("site_url", current_app.config["SITE_URL"].rstrip("/"))
    return {
        "text": render_template(f"{template}.txt", **context),
        "html": render_template(f"{template}.html", **context),
    }
