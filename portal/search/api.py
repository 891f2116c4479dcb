"""JSON API of the search domain: ``/api/v1/suggest`` for as-you-type.

``GET /api/v1/suggest?q=&locale=&limit=`` for a search box, and
``POST /api/v1/suggest`` with a JSON body ``{"q", "subject", "description",
"locale", "limit"}`` for what a customer types into a ticket (a description
does not fit in a URL). Text beyond :data:`portal.search.schemas.MAX_INPUT_CHARS` is cut, never
refused: the beginning is what the customer wrote first.

Response::

    {"query": "map verwij", "locale": "nl",
     "articles": [{"slug", "title", "url", "snippet", "score", "locale"}, ...],
     "incidents": [...], ...}

``articles`` come from :func:`portal.search.suggesting.suggest_articles`
(the engine's ranking, then what customers taught it: ``learning.py``);
every other group (``incidents`` from the status domain, ...) from the
providers other domains register in ``app.extensions["portal.suggest_providers"]``.
A failing provider is logged and yields an empty group: it never breaks the answer.

CSRF: the POST is exempt. It is read-only and public (it changes nothing and
returns what anyone may read on the help center), it must work from widgets on
other pages that have no session and no token, and a JSON ``Content-Type`` is
required, which a cross-site HTML form cannot send without a CORS preflight.
"""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _

from portal.cache import versions
from portal.errors import render_error
from portal.extensions import csrf
from portal.i18n import negotiated_locale
from portal.search import answers, services, suggesting
from portal.search.analysis import all_languages
from portal.search.schemas import MAX_INPUT_CHARS, SuggestQuery
from portal.validation import json_body, query_args

log = logging.getLogger(__name__)

#: ``locale=all`` searches every language.
ALL_LOCALES = "all"

bp = Blueprint("search_api", __name__)

#: Browsers and proxies may reuse an answer this long; typing is bursty.
CACHE_SECONDS = 60
#: Provider groups may not take these names.
RESERVED = ("query", "locale", "articles")


def _bad_request(message: str):
    return render_error(400, message)


def _provider_results(name: str, provider, query: str, locale: str | None, limit: int) -> list:
    try:
        found = provider(query, locale, limit)
        return list(found or [])[:limit]
    except Exception:  # another domain's bug must not break suggestions
        log.exception("suggest provider %r failed", name)
        return []


def _answer(params: SuggestQuery):
    text = " ".join(part for part in (params.q, params.subject, params.description) if part.strip())
    if not text.strip():
        return _bad_request(_("Parameter q is required: the text typed so far."))
    # Omitted: the caller's language (lang cookie, then Accept-Language), as a
    # page would send it; searching every language at once lets common words of
    # one language (English "how", "can") outrank the right article in another.
    # "all" asks for every language explicitly.
    requested = params.locale or negotiated_locale()
    locale = None if requested == ALL_LOCALES else requested
    if locale is not None and locale not in all_languages():
        return _bad_request(_("Unknown locale %(locale)s; use one of: %(known)s.",
                              locale=locale, known=", ".join(all_languages())))
    limit = max(1, min(params.limit, services.MAX_SUGGEST_LIMIT))
    articles = suggesting.suggest_articles(params.q, locale=locale, limit=limit,
                                           subject=params.subject, description=params.description)
    body = {"query": text[:MAX_INPUT_CHARS], "locale": locale, "articles": articles, "incidents": []}
    for name, provider in current_app.extensions.get("portal.suggest_providers", {}).items():
        if name in RESERVED:
            log.error("suggest provider name %r is reserved; ignored", name)
            continue
        body[name] = _provider_results(name, provider, text[:MAX_INPUT_CHARS], locale, limit)
    return jsonify(body)


@bp.get("/suggest")
def suggest():
    params = query_args(SuggestQuery)
    key = _answer_key(params)
    body = answers.get(key) if key is not None else None
    if body is not None:
        response = current_app.response_class(body, mimetype="application/json")
    else:
        response = _answer(params)
        if key is not None and not isinstance(response, tuple) and response.status_code == 200:
            answers.put(key, response.get_data())
    if not isinstance(response, tuple):
        response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
        response.vary.add("Accept-Language")
    return response


def _answer_key(params: SuggestQuery) -> tuple | None:
    """Where this GET's answer is remembered (portal.search.answers), if it may be."""
    if params.subject or params.description or not params.q.strip():
        return None
    requested = params.locale or negotiated_locale()
    if requested == ALL_LOCALES or requested not in all_languages():
        return None
    limit = max(1, min(params.limit, services.MAX_SUGGEST_LIMIT))
    return answers.key_for(versions.app_serial(current_app), current_app.extensions["portal.search"], params.q,
                           requested, limit)


@bp.post("/suggest")
@csrf.exempt
def suggest_long_text():
    params = json_body(SuggestQuery)
    response = _answer(params)
    if not isinstance(response, tuple):
        # an answer to this body only; never reused for another
        response.headers["Cache-Control"] = "no-store"
    return response
