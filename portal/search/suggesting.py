"""Suggestions for what a customer types: a search box's ``q``, or a ticket's
subject and description, then re-ranked by what customers taught it.

:func:`suggest_articles` is the one entry point of the suggest API. When the
engine's ``services.suggest`` takes ``subject`` and ``description`` itself
(its own long-text ranking), they are passed to it as they are. Until then
this module combines the fields in a minimal way (a ticket description is
long and mostly filler):

* the subject is searched as typed and weighs :data:`SUBJECT_WEIGHT` times
  the description;
* of the description, only its rarest words in the index are searched (at
  most :data:`MAX_DESCRIPTION_WORDS`, in the customer's order; the word being
  typed at its end is kept): greetings and filler are common words, error
  codes and product names rare ones;
* each field's scores are scaled to its best hit before they are added, since
  BM25 scores of different queries are not comparable.

Then :func:`portal.search.learning.rerank` applies the bounded boost learned
from deflected tickets, among the candidates the engine found.
"""
from __future__ import annotations

import inspect
import logging
from functools import lru_cache

from flask import current_app

from portal.search import learning, services
from portal.search.analysis import all_languages
from portal.search.querying import split_typed
from portal.search.schema import ARTICLE_TEXT, lang_field
from portal.search.schemas import MAX_INPUT_CHARS
from portal.search.textterms import distinct_words, doc_frequency, word_stems

log = logging.getLogger(__name__)

SUBJECT_WEIGHT = 2.0
MAX_DESCRIPTION_WORDS = 24
#: The engine's query text is cut at 200 characters: stay below it.
MAX_DESCRIPTION_QUERY_CHARS = 190
#: Candidates fetched per field, as a multiple of the limit, so that learning
#: and the other field can lift an article the first field ranked lower.
POOL_FACTOR = 3


def suggest_articles(q: str = "", *, locale: str | None, limit: int,
                     subject: str = "", description: str = "") -> list[dict]:
    """The best articles for ``q`` and/or a ticket's ``subject`` and ``description``."""
    q, subject, description = (text[:MAX_INPUT_CHARS] for text in (q or "", subject or "", description or ""))
    pool = min(services.MAX_SUGGEST_LIMIT, max(limit, limit * POOL_FACTOR))
    learned_from = " ".join(part for part in (q, subject, description) if part.strip())
    if _engine_weighs_fields():
        ranked = services.suggest(q, locale=locale, limit=pool, subject=subject, description=description)
        return learning.rerank(ranked, learned_from, locale)[:limit]
    weighted = []
    if q.strip():
        weighted.append((1.0, services.suggest(q, locale, pool)))
    if subject.strip():
        weighted.append((SUBJECT_WEIGHT, services.suggest(subject, locale, pool)))
    if description.strip():
        key_text = description_query(description, locale)
        if key_text.strip():
            weighted.append((1.0, services.suggest(key_text, locale, pool)))
    ranked = weighted[0][1] if len(weighted) == 1 else _combine(weighted)
    return learning.rerank(ranked, learned_from, locale)[:limit]


@lru_cache(maxsize=1)
def _engine_weighs_fields() -> bool:
    """Whether ``services.suggest`` takes ``subject`` and ``description`` itself
    (the engine's own long-text ranking); then the combination below is unused."""
    parameters = inspect.signature(services.suggest).parameters
    return "subject" in parameters and "description" in parameters


def _combine(weighted: list[tuple[float, list[dict]]]) -> list[dict]:
    combined: dict[tuple[str, str], dict] = {}
    for weight, hits in weighted:
        best = max((hit["score"] for hit in hits), default=0) or 1.0
        for hit in hits:
            key = (hit["locale"], hit["slug"])
            entry = combined.setdefault(key, {**hit, "score": 0.0})
            entry["score"] += weight * hit["score"] / best
    ranked = sorted(combined.values(), key=lambda hit: (-hit["score"], hit["slug"]))
    for hit in ranked:
        hit["score"] = round(hit["score"], 4)
    return ranked


def description_query(description: str, locale: str | None) -> str:
    """The description's rarest indexed words, in the customer's order (the
    word being typed at the end is kept as typed)."""
    complete, partial = split_typed(" ".join(description.split()))
    langs = (locale,) if locale else all_languages()
    reader = services.get_index().searcher().reader()
    rarity: dict[str, int] = {}
    for word in distinct_words(complete):
        if word.isdigit() and len(word) < 3:
            continue
        frequency = 0
        for lang in langs:
            field = lang_field(ARTICLE_TEXT, lang)
            frequency += sum(doc_frequency(reader, field, stem) for stem in word_stems(word, lang))
        if frequency:
            rarity[word] = frequency
    chosen = set(sorted(rarity, key=lambda word: (rarity[word], word))[:MAX_DESCRIPTION_WORDS])
    kept, length = [], len(partial or "")
    for word in rarity:
        if word in chosen and length + len(word) + 1 <= MAX_DESCRIPTION_QUERY_CHARS:
            kept.append(word)
            length += len(word) + 1
    return " ".join(kept) + (" " + partial if partial else " ")


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
