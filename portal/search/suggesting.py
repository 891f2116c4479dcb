"""Suggestions for what a customer types: a search box's ``q``, or a ticket's
subject and description, then re-ranked by what customers taught it.

:func:`suggest_articles` is the one entry point of the suggest API: the
engine (:func:`portal.search.services.suggest`) ranks ``q`` or the ticket's
fields itself (its long-text weighing is in ``longtext.py``), then
:func:`portal.search.learning.rerank` applies the bounded boost learned from
deflected tickets, among the candidates the engine found.
"""
from __future__ import annotations

import logging

from flask import current_app

from portal.search import learning, services
from portal.search.schemas import MAX_INPUT_CHARS

log = logging.getLogger(__name__)

#: Candidates fetched, as a multiple of the limit, so that learning can lift
#: an article the engine ranked a little lower.
POOL_FACTOR = 3


def suggest_articles(q: str = "", *, locale: str | None, limit: int,
                     subject: str = "", description: str = "") -> list[dict]:
    """The best articles for ``q`` and/or a ticket's ``subject`` and ``description``."""
    q, subject, description = (text[:MAX_INPUT_CHARS] for text in (q or "", subject or "", description or ""))
    pool = min(services.MAX_SUGGEST_LIMIT, max(limit, limit * POOL_FACTOR))
    learned_from = " ".join(part for part in (q, subject, description) if part.strip())
    ranked = services.suggest(q, locale=locale, limit=pool, subject=subject, description=description)
    return learning.rerank(ranked, learned_from, locale)[:limit]


def matching_incidents(text: str, locale: str | None, limit: int = 3) -> list[dict]:
    """Active incidents ``text`` is about (the status domain's suggest provider),
    for the search page; [] when no provider is registered or it fails."""
    provider = current_app.extensions.get("portal.suggest_providers", {}).get("incidents")
    if provider is None or not (text or "").strip():
        return []
    try:
        return list(provider(text[:MAX_INPUT_CHARS], locale, limit) or [])[:limit]
    except Exception:  # another domain's bug must not break the search page
        log.exception("incident suggest provider failed")
        return []
