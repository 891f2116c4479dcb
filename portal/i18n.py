"""Languages: the ``<lang>`` URL segment, locale negotiation and formatting.

Content pages carry their language in the URL (``/nl/articles/...``), which
makes them stable and shareable. Where a URL has no language (``/``,
``/status``, ``/subscriptions/``), the language is that of the page on this
site the customer came from (``Referer``: a link from ``/nl/...`` stays
Dutch), else the ``lang`` cookie set by the switcher, else ``Accept-Language``,
else the default.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request
from werkzeug.routing import BaseConverter

from portal import catalogs
from portal.config import LOCALE_NAMES, SUPPORTED_LOCALES

LANG_COOKIE = "lang"
#: The ``.po`` sources; their ``.mo`` files are build output (see portal.catalogs).
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def translation_directory(app: Flask) -> str:
    """Where Flask-Babel loads catalogs from, compiled now if missing or stale."""
    fallback = Path(app.config["DATA_DIR"]) / "translations"
    return str(catalogs.ensure_compiled(TRANSLATIONS_DIR, fallback))


def default_locale() -> str:
    """The site's default language (``DEFAULT_LOCALE``, see :func:`portal.config.defaults`)."""
    return current_app.config["DEFAULT_LOCALE"]


def site_timezone() -> ZoneInfo:
    """The site's time zone (``TIMEZONE``; blank means UTC)."""
    return ZoneInfo(current_app.config["TIMEZONE"] or "UTC")


def supported_locale(value) -> str | None:
    """The supported language ``value`` names, or None.

    ``nl``, ``NL``, `` nl ``, ``nl-NL``, ``nl_NL`` and ``nl-Latn-NL`` are all
    ``nl``: the primary subtag of a BCP 47 tag or a POSIX locale name, in any
    case. ``dutch``, ``nlx`` or a language we have no catalog for are None.
    """
    if not isinstance(value, str):
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in SUPPORTED_LOCALES else None


def normalize_locale(value) -> str:
    """The supported language ``value`` names (see :func:`supported_locale`), else the default."""
    return supported_locale(value) or default_locale()


class LangConverter(BaseConverter):
    """Matches only the supported language codes, so ``/<lang>/`` never
    swallows other top-level paths such as ``/status`` or ``/api``."""

    regex = "(?:" + "|".join(SUPPORTED_LOCALES) + ")"


def negotiated_locale() -> str:
    """The language for a request whose URL does not name one."""
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in SUPPORTED_LOCALES:
        return cookie
    best = request.accept_languages.best_match(SUPPORTED_LOCALES)
    return best or default_locale()


def referring_locale() -> str | None:
    """The language of the page on this site a link was followed from, if any.

    ``/nl/articles/x`` → ``nl``. Only same-site referrers count (the portal
    sends ``strict-origin-when-cross-origin``, so they carry their path).
    """
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    first_segment = parts.path.split("/", 2)[1] if parts.path.startswith("/") else ""
    return first_segment if first_segment in SUPPORTED_LOCALES else None


def arriving_locale() -> str:
    """For a language-neutral address: the referring page's language, else negotiation."""
    return referring_locale() or negotiated_locale()


def select_locale() -> str:
    """Flask-Babel's locale selector: URL first, then negotiation."""
    lang = getattr(g, "lang", None)
    if lang in SUPPORTED_LOCALES:
        return lang
    try:
        view_args = request.view_args or {}
    except RuntimeError:  # outside a request (CLI, worker)
        return default_locale()
    if view_args.get("lang") in SUPPORTED_LOCALES:
        return view_args["lang"]
    # An unmatched URL (a 404) still names its language: /nl/missing is Dutch.
    first_segment = request.path.split("/", 2)[1] if request.path.count("/") >= 1 else ""
    if first_segment in SUPPORTED_LOCALES:
        return first_segment
    # A page without a language (/subscriptions/, the reply to a form posted
    # from /nl/status) speaks the language of the page the customer came from.
    return arriving_locale()


def current_lang() -> str:
    return select_locale()


def init_app(app: Flask) -> None:
    app.url_map.converters["lang"] = LangConverter

    @app.url_value_preprocessor
    def _pull_lang(_endpoint, values):
        if values and "lang" in values:
            g.lang = values["lang"]

    @app.url_defaults
    def _push_lang(endpoint, values):
        # url_for() on a language-prefixed route defaults to the page's language
        if "lang" in values or not endpoint:
            return
        if app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = current_lang()

    @app.context_processor
    def _lang_context():
        return {
            "current_lang": current_lang(),
            "supported_locales": SUPPORTED_LOCALES,
            "locale_names": LOCALE_NAMES,
        }
