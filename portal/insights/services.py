"""The insights domain's one write path: the anonymous search log.

Counters per day, language and query (:class:`~portal.insights.models.SearchDaily`),
bumped with an upsert so concurrent requests never lose a count. Query text
is normalized like the search domain's no-result record and scrubbed of
personal data (:func:`portal.tickets.pii.scrub`) before it is stored.
"""
from __future__ import annotations

import logging
import re
from datetime import date

from flask import request
from sqlalchemy.dialects import postgresql, sqlite

from portal.config import SUPPORTED_LOCALES
from portal.db import is_postgres, session, utcnow
from portal.insights.models import MAX_QUERY_CHARS, SearchDaily
from portal.tickets import pii

log = logging.getLogger(__name__)

SOURCE_SEARCH = "search"
SOURCE_SUGGEST = "suggest"
CLICK_SOURCES = (SOURCE_SEARCH, SOURCE_SUGGEST)
BOT_AGENT = re.compile(r"bot|crawl|spider|slurp|preview|monitor|curl|wget|python-requests", re.IGNORECASE)


class ClickError(ValueError):
    """A click report the beacon endpoint refuses."""


def normalize_query(text: str | None) -> str:
    """Lower-cased, whitespace-collapsed, scrubbed, cut: the text stored and grouped on."""
    collapsed = " ".join((text or "").lower().split())[:MAX_QUERY_CHARS * 2]
    return " ".join(pii.scrub(collapsed).split())[:MAX_QUERY_CHARS]


def _bump(day: date, locale: str, query: str, **counters: int) -> None:
    dialect = postgresql if is_postgres() else sqlite
    values = {"searches": 0, "results": 0, "clicks": 0, "suggest_clicks": 0, **counters}
    statement = dialect.insert(SearchDaily).values(day=day, locale=locale, query=query, **values)
    updates = {name: getattr(SearchDaily, name) + amount for name, amount in counters.items() if name != "results"}
    if "results" in counters:
        updates["results"] = counters["results"]  # the latest search's count
    statement = statement.on_conflict_do_update(
        index_elements=[SearchDaily.day, SearchDaily.locale, SearchDaily.query], set_=updates)
    session.execute(statement)
    session.commit()


def record_search(query: str, locale: str, total: int, day: date | None = None) -> bool:
    """Count one search on the search page; False when it is not counted (empty, unknown language)."""
    text = normalize_query(query)
    if not text or locale not in SUPPORTED_LOCALES:
        return False
    _bump(day or utcnow().date(), locale, text, searches=1, results=max(0, int(total)))
    return True


def record_click(payload, day: date | None = None) -> bool:
    """Count one opened result or suggestion from the beacon's JSON ``{query, locale, source}``."""
    if not isinstance(payload, dict):
        raise ClickError("expected a JSON object")
    source, locale, query = payload.get("source"), payload.get("locale"), payload.get("query")
    if source not in CLICK_SOURCES:
        raise ClickError(f"source must be one of {', '.join(CLICK_SOURCES)}")
    if locale not in SUPPORTED_LOCALES:
        raise ClickError(f"locale must be one of {', '.join(SUPPORTED_LOCALES)}")
    if not isinstance(query, str) or not query.strip() or len(query) > 1000:
        raise ClickError("query must be the text searched for (at most 1000 characters)")
    text = normalize_query(query)
    if not text:
        return False
    counter = "clicks" if source == SOURCE_SEARCH else "suggest_clicks"
    _bump(day or utcnow().date(), locale, text, **{counter: 1})
    return True


def on_search_performed(app, *, query: str, locale: str, total: int, **_extra) -> None:
    """Receiver of :data:`portal.signals.search_performed`; bots are not counted."""
    if BOT_AGENT.search(request.headers.get("User-Agent", "")):
        return
    try:
        record_search(query, locale, total)
    except Exception:  # a counter must never break the search page it counts
        session.rollback()
        log.exception("could not count a search")
