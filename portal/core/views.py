"""Entry points without a language in the URL: they redirect to one."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, url_for
from sqlalchemy import text

from portal import db
from portal.config import SUPPORTED_LOCALES
from portal.core import favicon
from portal.i18n import LANG_COOKIE, arriving_locale, default_locale
from portal.web import is_safe_redirect

bp = Blueprint("core", __name__)


def _to_lang(path: str):
    """Redirect ``/path?query`` to ``/<lang>/path?query``: the language of the page
    the customer came from (the logo on /nl/... leads to /nl/), else negotiated."""
    target = f"/{arriving_locale()}{path}"
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    return redirect(target, code=302)


@bp.get("/")
def index():
    return _to_lang("/")


@bp.get("/welcome")
def welcome():
    return _to_lang("/welcome")


@bp.get("/search")
def search():
    return _to_lang("/search")


@bp.get("/contact")
def contact():
    return _to_lang("/contact/")


@bp.get("/language/<code>")
def set_language(code: str):
    """The language switcher: remember the choice and go to that language's page."""
    if code not in SUPPORTED_LOCALES:
        code = default_locale()
    target = request.args.get("next", "")
    if not is_safe_redirect(target):
        target = url_for("core.index")
    # Swap the language segment of a language-prefixed page.
    parts = target.split("/", 2)
    if len(parts) >= 2 and parts[1] in SUPPORTED_LOCALES:
        target = "/" + code + ("/" + parts[2] if len(parts) > 2 else "/")
    response = redirect(target)
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.get("/healthz")
def healthz():
    """For load balancers and monitoring: the database answers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


def _brand_colors() -> tuple[str, str]:
    cfg = current_app.config
    return (favicon.safe_color(cfg.get("SITE_PRIMARY_COLOR"), favicon.DEFAULT_PRIMARY),
            favicon.safe_color(cfg.get("SITE_ACCENT_COLOR"), favicon.DEFAULT_ACCENT))


def _cached(response):
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.get("/favicon.svg")
def favicon_svg():
    return _cached(current_app.response_class(favicon.svg_icon(*_brand_colors()), mimetype="image/svg+xml"))


@bp.get("/favicon.ico")
def favicon_ico():
    return _cached(current_app.response_class(favicon.ico_icon(*_brand_colors()), mimetype="image/x-icon"))

