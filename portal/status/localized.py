"""Incidents and components in the reader's language.

An operator writes an incident's name, each update and a component's name and
description in one or more of the portal's languages. The plain columns
(``name``, ``body``/``body_html``, ``description``) hold the *first* language
(``Incident.language``); the JSON ``*_translations`` columns hold the others,
``{lang: text}``. Readers get their language, else the first one.
"""
from __future__ import annotations

from flask import has_request_context
from flask_babel import get_locale

from portal.i18n import default_locale


def reader_lang(lang: str | None = None) -> str:
    if lang:
        return lang
    try:
        return str(get_locale()) if has_request_context() else "en"
    except Exception:  # noqa: BLE001 - outside an app context: the default
        return "en"


def _pick(base, translations, lang: str | None):
    chosen = (translations or {}).get(reader_lang(lang))
    return chosen if chosen else base


def incident_name(incident, lang: str | None = None) -> str:
    return _pick(incident.name, getattr(incident, "name_translations", None), lang)


def update_body_html(update, lang: str | None = None) -> str:
    """The sanitized HTML of an update in the reader's language."""
    found = (getattr(update, "body_translations", None) or {}).get(reader_lang(lang))
    return found["html"] if found and found.get("html") else update.body_html


def update_body(update, lang: str | None = None) -> str:
    found = (getattr(update, "body_translations", None) or {}).get(reader_lang(lang))
    return found["body"] if found and found.get("body") else update.body


def component_name(component, lang: str | None = None) -> str:
    return _pick(component.name, getattr(component, "name_translations", None), lang)


def component_description(component, lang: str | None = None) -> str | None:
    return _pick(component.description, getattr(component, "description_translations", None), lang)


def languages_of(incident) -> list[str]:
    """The incident's languages, its first one first."""
    first = getattr(incident, "language", None) or "en"
    return [first] + sorted(k for k in (getattr(incident, "name_translations", None) or {}) if k != first)


# --- writing (called by portal.status.services) ------------------------------------

def clean_texts(texts, first: str, limit: int) -> dict:
    """``{lang: text}`` for the languages other than ``first``: stripped, empty
    ones dropped, unknown languages and over-long texts refused (StatusError)."""
    from flask_babel import gettext as _

    from portal.config import SUPPORTED_LOCALES
    from portal.status.timeline import StatusError

    cleaned = {}
    for lang, text in (texts or {}).items():
        if lang not in SUPPORTED_LOCALES:
            raise StatusError(_("Unknown language: %(lang)s", lang=str(lang)[:20]))
        text = (text or "").strip() if isinstance(text, str) else ""
        if len(text) > limit:
            raise StatusError(_("The %(lang)s text is too long (at most %(limit)s characters).",
                                lang=lang, limit=limit))
        if text and lang != first:
            cleaned[lang] = text
    return cleaned


def first_language(language: str | None) -> str:
    from portal.config import SUPPORTED_LOCALES
    from portal.status.timeline import StatusError

    language = language or default_locale()
    if language not in SUPPORTED_LOCALES:
        from flask_babel import gettext as _

        raise StatusError(_("Unknown language: %(lang)s", lang=str(language)[:20]))
    return language


def set_update_bodies(update, bodies, first: str) -> None:
    """Store an update's other languages, each rendered like the first."""
    from portal.status.timeline import render_body

    update.body_translations = {lang: {"body": body, "html": render_body(body)[0]}
                                for lang, body in clean_texts(bodies, first, 20000).items()}
