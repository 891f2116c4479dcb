"""JSON API of the search domain: ``GET /api/v1/suggest`` for as-you-type.

Response::

    {"query": "map verwij", "locale": "nl",
     "articles": [{"slug", "title", "url", "snippet", "score", "locale"}, ...],
     "incidents": [...], ...}

``articles`` come from :func:`portal.search.services.suggest`; every other
group (``incidents`` from the status domain, ...) from the providers other
domains register in ``app.extensions["portal.suggest_providers"]``. A failing
provider is logged and yields an empty group: it never breaks the answer.
"""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _

from portal.errors import render_error
from portal.i18n import negotiated_locale
from portal.search import services
from portal.search.analysis import all_languages
from portal.search.schemas import SuggestQuery
from portal.validation import query_args

log = logging.getLogger(__name__)

#: ``locale=all`` searches every language.
ALL_LOCALES = "all"

bp = Blueprint("search_api", __name__)

#: Longest accepted ``q`` (characters).
MAX_QUERY_CHARS = 200
#: Browsers and proxies may reuse an answer this long; typing is bursty.
CACHE_SECONDS = 60


def _bad_request(message: str):
    return render_error(400, message)


def _provider_results(name: str, provider, query: str, locale: str | None, limit: int) -> list:
    try:
        found = provider(query, locale, limit)
        return list(found or [])[:limit]
    except Exception:  # another domain's bug must not break suggestions
        log.exception("suggest provider %r failed", name)
        return []


@bp.get("/suggest")
def suggest():
    args = query_args(SuggestQuery)
    query = args.q
    if not query.strip():
        return _bad_request(_("Parameter q is required: the text typed so far."))
    if len(query) > MAX_QUERY_CHARS:
        return _bad_request(_("Parameter q is too long (at most %(max)d characters).", max=MAX_QUERY_CHARS))
    # Omitted: the caller's language (lang cookie, then Accept-Language), as a
    # page would send it; searching every language at once lets common words of
    # one language (English "how", "can") outrank the right article in another.
    # "all" asks for every language explicitly.
    requested = args.locale or negotiated_locale()
    locale = None if requested == ALL_LOCALES else requested
    if locale is not None and locale not in all_languages():
        return _bad_request(_("Unknown locale %(locale)s; use one of: %(known)s.",
                              locale=locale, known=", ".join(all_languages())))
    limit = max(1, min(args.limit, services.MAX_SUGGEST_LIMIT))

    body = {"query": query, "locale": locale, "articles": services.suggest(query, locale, limit), "incidents": []}
    for name, provider in current_app.extensions.get("portal.suggest_providers", {}).items():
        if name in ("query", "locale", "articles"):
            log.error("suggest provider name %r is reserved; ignored", name)
            continue
        body[name] = _provider_results(name, provider, query, locale, limit)
    response = jsonify(body)
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response.vary.add("Accept-Language")
    return response
