"""Known incidents in suggestions: the ticket form's and the search page's
"is this a known problem?", ranked with care.

Only *active* incidents (and ongoing maintenance) are candidates; resolved
ones are never suggested. An incident is shown only when what the customer
typed is about it:

* a word of an affected component's name or its group's name, or of the
  incident's name, matches (stemmed; the word being typed matches as a
  beginning) — :data:`STRONG` points each;
* or at least :data:`MIN_UPDATE_WORDS` different words of its updates match
  (one shared word of a long update is chance, not a match).

Stop words never count, so a long ticket description ("the", "when", "not")
does not match every incident. Best matches first.
"""
from __future__ import annotations


from flask import url_for

from portal.search.analysis import all_languages, analyze, fold
from portal.search.querying import split_typed

STRONG = 3
NAME = 2
MIN_UPDATE_WORDS = 2
MIN_PREFIX_CHARS = 3


def _stems(text: str, lang: str) -> set[str]:
    return set(analyze(text or "", lang))


def _partial(text: str) -> str | None:
    _complete, typed = split_typed(text or "")
    if typed is None:
        return None
    word = fold(typed.lower())
    return word if len(word) >= MIN_PREFIX_CHARS else None


def score(query: str, lang: str, *, components: str, name: str, updates: str) -> int:
    """How well ``query`` matches an incident; 0 = not about it."""
    wanted = _stems(query, lang)
    partial = _partial(query)
    strong_stems = _stems(components, lang)
    name_stems = _stems(name, lang)
    update_stems = _stems(updates, lang) - strong_stems - name_stems

    def hits(stems: set[str]) -> int:
        found = wanted & stems
        if partial and not any(stem.startswith(partial) for stem in found) \
                and any(stem.startswith(partial) for stem in stems):
            return len(found) + 1  # the word being typed begins one of them
        return len(found)

    strong, named = hits(strong_stems), hits(name_stems)
    update_words = len(wanted & update_stems)
    if not strong and not named and update_words < MIN_UPDATE_WORDS:
        return 0
    return STRONG * strong + NAME * named + update_words


def suggest_incidents(query: str, locale: str | None = None, limit: int = 5) -> list[dict]:
    """Active incidents ``query`` is about, best match first (the suggest provider)."""
    from portal.status import queries

    if not (query or "").strip():
        return []
    lang = locale if locale in all_languages() else "en"
    scored = []
    for item in queries.current_state().active:
        points = score(query, lang, components=item.component_text, name=item.name, updates=item.search_text)
        if points:
            scored.append((points, item))
    scored.sort(key=lambda pair: (-pair[0], pair[1].name))
    return [{
        "id": item.public_id, "name": item.name, "status": item.status, "impact": item.impact,
        "url": (url_for("status.incident", lang=lang, public_id=item.public_id, _external=True) if locale
                else url_for("status.incident_any_language", public_id=item.public_id, _external=True)),
        "updated_at": item.updated_at.isoformat(),
    } for _points, item in scored[:limit]]
