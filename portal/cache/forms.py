"""Forms on shared (cached) pages: a cookie-free CSRF token and a same-origin check.

A page served to everyone from the page cache cannot carry the usual CSRF
token: that token is tied to the visitor's session cookie, and creating it
would give every reader a cookie (and a different page). So forms on such
pages ("Did this help?", the status page's e-mail sign-up) carry a *public
form token* instead: signed with ``SECRET_KEY``, the same for every visitor
on one day, valid for :data:`PUBLIC_TOKEN_DAYS` days. It proves the form came
from this site's page, not who sent it; what stops another site from posting
it through a visitor's browser is the same-origin check on the POST
(``Origin``, else ``Sec-Fetch-Site``, else ``Referer``: every browser that
runs such an attack sends at least one). Both work without JavaScript.

Only views marked :func:`public_form` accept it; they are anonymous by
nature (feedback stores no reader, a sign-up is confirmed by e-mail), so a
session-bound token adds nothing there. Every other POST keeps Flask-WTF's
session token. A signed-in visitor's pages are never cached and get the
session token as before.
"""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import current_app, g, request
from flask_wtf.csrf import CSRFProtect, generate_csrf
from itsdangerous import BadSignature, URLSafeSerializer

PUBLIC_TOKEN_DAYS = 2
_SALT = "portal.public-form"
_PREFIX = "pub."


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _today() -> int:
    return int(time.time() // 86400)


def public_token() -> str:
    """Today's token: identical for every visitor, so the page stays shareable."""
    return _PREFIX + _serializer().dumps(_today())


def is_public_token(value: str | None) -> bool:
    if not value or not value.startswith(_PREFIX):
        return False
    try:
        day = _serializer().loads(value[len(_PREFIX):])
    except BadSignature:
        return False
    return isinstance(day, int) and 0 <= _today() - day < PUBLIC_TOKEN_DAYS


def public_form(view):
    """Mark a POST view as accepting the public form token (put it right under the route)."""
    view.public_form = True
    return view


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def same_origin() -> bool:
    """Did the browser send this POST from one of our pages?"""
    ours = {request.host_url.rstrip("/").lower()}
    site = current_app.config.get("SITE_URL")
    if site:
        ours.add(_origin_of(site) or "")
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return origin.lower() in ours
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site in ("same-origin", "none")
    if request.referrer:
        return _origin_of(request.referrer) in ours
    return True  # no browser we know posts cross-site without any of the three


def page_csrf_token() -> str:
    """``csrf_token()`` in templates: the public token while a shared page renders."""
    if g.get("portal_shared_page"):
        return public_token()
    return generate_csrf()


class PortalCSRF(CSRFProtect):
    """Flask-WTF's CSRF protection, plus public form tokens on :func:`public_form` views."""

    def init_app(self, app):
        super().init_app(app)
        app.jinja_env.globals["csrf_token"] = page_csrf_token
        app.context_processor(lambda: {"csrf_token": page_csrf_token})

    def protect(self, apply_exemptions=False):
        view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
        if getattr(view, "public_form", False) and request.method in current_app.config["WTF_CSRF_METHODS"]:
            token = request.form.get(current_app.config["WTF_CSRF_FIELD_NAME"])
            if is_public_token(token):
                if not same_origin():
                    self._error_response("The form was sent from another site.")
                g.csrf_valid = True
                return None
        return super().protect(apply_exemptions=apply_exemptions)
