"""Learning from customers: articles that deflected tickets rise for similar text.

The ticket form records deflection events (``portal.tickets.analytics``).
When a customer opened a suggested article and then did not send the ticket
(clicked "This solved my problem", or left for :data:`LEFT_AFTER`), or
withdrew the ticket because an article on the confirmation page answered it,
the article is credited for the *terms* of what they had typed (for a
withdrawn ticket: its subject); when they sent the ticket anyway, nothing is
credited.

* Aggregated, no personal data: one :class:`LearnedArticleSignal` row per
  (language, term, article). Terms are stems that occur in the index's own
  vocabulary (the :data:`MAX_TERMS` rarest of the text), so a name, an
  e-mail address or an order number is never stored; no text, no attempt.
* Decaying: each credit halves every ``SEARCH_LEARNING_HALF_LIFE_DAYS``;
  weights are stored as of their last update and decayed when read.
* Capped: :func:`rerank` multiplies the engine's score by at most
  ``SEARCH_LEARNING_MAX_BOOST`` (saturating), only for candidates the engine
  already found, so a new article that matches much better still wins and an
  article that does not match is never pulled in.
* Switchable: ``SEARCH_LEARNING_ENABLED = False`` stops both learning and
  re-ranking (what was learned is kept).
"""
from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import config
from portal.db import utcnow
from portal.search.analysis import all_languages
from portal.search.models import MAX_SLUG_CHARS, MAX_TERM_CHARS, LearnedArticleSignal, PendingDeflection
from portal.search.schema import ARTICLE_TEXT, LOCALE, lang_field
from portal.search.textterms import distinct_stems, frequencies

log = logging.getLogger(__name__)

#: Terms kept per text: the rarest in the index (a description has hundreds).
MAX_TERMS = 24
#: Credit of an explicit "This solved my problem" and of leaving after opening.
SOLVED_CREDIT = 1.0
LEFT_CREDIT = 0.5
#: An attempt that opened an article and sent nothing for this long "left"
#: (the same rule as the deflection report).
LEFT_AFTER = timedelta(minutes=30)
#: Evidence (decayed credit, per share of the query's term weight) below this
#: gives no boost: a neighbouring article that shares one word of the question
#: has not answered *this* question (measured: swefaq, one question per article).
MIN_EVIDENCE = 0.25
#: Evidence above MIN_EVIDENCE that gives half the maximum boost.
HALF_BOOST_EVIDENCE = 0.5

# the events of portal.tickets.analytics (names only: no import of that domain)
SUGGESTION_OPENED, SOLVED, SUBMITTED, WITHDRAWN = "suggestion_opened", "solved", "submitted", "withdrawn"


def _setting(name: str):
    # outside an app (scoring helpers used on their own) the built-in default applies
    return current_app.config[name] if has_app_context() else config.default(name)


def enabled() -> bool:
    return bool(_setting("SEARCH_LEARNING_ENABLED"))


def decayed(weight: float, updated_at: datetime, now: datetime) -> float:
    """``weight`` as of ``now``: halved every half-life since ``updated_at``."""
    half_life = float(_setting("SEARCH_LEARNING_HALF_LIFE_DAYS")) * 86400
    age = max(0.0, (now - updated_at).total_seconds())
    return weight * 0.5 ** (age / half_life) if half_life > 0 else weight


def boost(evidence: float) -> float:
    """The score multiplier for ``evidence``: 1 (none) rising towards the cap."""
    cap = max(1.0, float(_setting("SEARCH_LEARNING_MAX_BOOST")))
    evidence = max(0.0, evidence - MIN_EVIDENCE)
    return 1.0 + (cap - 1.0) * evidence / (evidence + HALF_BOOST_EVIDENCE)


# -- terms -------------------------------------------------------------------

def weighted_terms(text: str, locale: str) -> dict[str, float]:
    """The normalized terms of ``text`` that learning keeps and looks up:
    distinct stems known to ``locale``'s index, the :data:`MAX_TERMS` rarest,
    each with its inverse document frequency (rare words say most)."""
    from portal.search.services import get_index

    if locale not in all_languages():
        return {}
    searcher = get_index().searcher()
    reader = searcher.reader()
    field = lang_field(ARTICLE_TEXT, locale)
    documents = max(1, searcher.doc_frequency(LOCALE, locale))
    frequency = frequencies(reader, field, (stem for stem in distinct_stems(text, locale)
                                            if len(stem) <= MAX_TERM_CHARS))
    rarest = sorted(frequency, key=lambda stem: (frequency[stem], stem))[:MAX_TERMS]
    return {stem: math.log(1 + documents / frequency[stem]) for stem in rarest}


def terms(text: str, locale: str) -> list[str]:
    """The terms of :func:`weighted_terms`, rarest first."""
    return list(weighted_terms(text, locale))


# -- learning ----------------------------------------------------------------

def credit(session: Session, locale: str, article_slug: str, learned_terms, amount: float,
           now: datetime | None = None) -> None:
    """Add ``amount`` to (term, article) for each term (no commit)."""
    now = now or utcnow()
    learned_terms = sorted(set(learned_terms))
    if not learned_terms or not article_slug or len(article_slug) > MAX_SLUG_CHARS:
        return
    existing = {row.term: row for row in session.scalars(select(LearnedArticleSignal).where(
        LearnedArticleSignal.locale == locale, LearnedArticleSignal.article_slug == article_slug,
        LearnedArticleSignal.term.in_(learned_terms)))}
    for term in learned_terms:
        row = existing.get(term)
        if row is None:
            try:
                with session.begin_nested():
                    session.add(LearnedArticleSignal(locale=locale, term=term, article_slug=article_slug,
                                                     weight=amount, updated_at=now))
                continue
            except IntegrityError:  # another process added it first
                row = session.scalars(select(LearnedArticleSignal).where(
                    LearnedArticleSignal.locale == locale, LearnedArticleSignal.term == term,
                    LearnedArticleSignal.article_slug == article_slug)).one()
        row.weight = decayed(row.weight, row.updated_at, now) + amount
        row.updated_at = now


def settle_left(session: Session, now: datetime | None = None) -> int:
    """Credit the opened articles of attempts that left without sending."""
    now = now or utcnow()
    left = list(session.scalars(select(PendingDeflection).where(PendingDeflection.created_at < now - LEFT_AFTER)))
    for pending in left:
        credit(session, pending.locale, pending.article_slug, pending.terms.split(), LEFT_CREDIT, now)
        session.delete(pending)
    return len(left)


def on_deflection_event(sender=None, *, session: Session, attempt_id: str, event: str, locale: str | None,
                        article_slug: str | None = None, query: str | None = None, **_ignored) -> None:
    """Receiver of :data:`portal.signals.deflection_event` (inside its transaction)."""
    if not enabled():
        return
    now = utcnow()
    if event == SUGGESTION_OPENED and article_slug and query and locale in all_languages():
        learned_terms = terms(query, locale)
        if learned_terms:
            session.add(PendingDeflection(attempt_id=attempt_id, locale=locale, article_slug=article_slug,
                                          terms=" ".join(learned_terms), created_at=now))
    elif event == SOLVED and article_slug and locale in all_languages():
        pending = list(session.scalars(select(PendingDeflection).where(PendingDeflection.attempt_id == attempt_id)))
        solved_terms = {term for row in pending if row.article_slug == article_slug for term in row.terms.split()}
        if not solved_terms and query:
            solved_terms = set(terms(query, locale))
        credit(session, locale, article_slug, solved_terms, SOLVED_CREDIT, now)
        session.execute(delete(PendingDeflection).where(PendingDeflection.attempt_id == attempt_id))
    elif event == SUBMITTED:
        # the ticket was sent: what was opened did not solve it
        session.execute(delete(PendingDeflection).where(PendingDeflection.attempt_id == attempt_id))
    elif event == WITHDRAWN and article_slug and query and locale in all_languages():
        # "this answers my question: withdraw my ticket" on the confirmation page
        credit(session, locale, article_slug, terms(query, locale), SOLVED_CREDIT, now)
    settle_left(session, now)


# -- re-ranking ----------------------------------------------------------------

_taught: dict = {}


def _taught_locales() -> frozenset[str] | None:
    """The languages that have learned signals, remembered per version of them
    (``search:learning`` in portal.cache.versions); None when it cannot be known."""
    from portal.cache import versions
    from portal.db import session
    from portal.search.answers import LEARNING_SCOPE

    snapshot = versions.snapshot()
    if snapshot is None:
        return None
    key = (versions.app_serial(current_app), snapshot.version(LEARNING_SCOPE))
    found = _taught.get(key)
    if found is None:
        found = frozenset(session.scalars(select(LearnedArticleSignal.locale).distinct()))
        _taught.clear()
        _taught[key] = found
    return found


def rerank(hits: list[dict], text: str, locale: str | None, now: datetime | None = None) -> list[dict]:
    """``hits`` (the engine's ranking, dicts with slug/locale/score) with the
    learned boost applied, best first. Only these candidates are re-ordered."""
    if not hits or not enabled():
        return hits
    from portal.db import session

    now = now or utcnow()
    boosted = []
    by_locale: dict[str, set[str]] = {}
    for hit in hits:
        by_locale.setdefault(hit["locale"], set()).add(hit["slug"])
    evidence: dict[tuple[str, str], float] = {}
    taught = _taught_locales()
    for hit_locale, slugs in by_locale.items():
        if taught is not None and hit_locale not in taught:
            continue  # nothing learned in this language: no query, no term weighing
        query_terms = weighted_terms(text, hit_locale)
        if not query_terms:
            continue
        total_weight = sum(query_terms.values())
        rows = session.execute(select(LearnedArticleSignal.article_slug, LearnedArticleSignal.term,
                                      LearnedArticleSignal.weight, LearnedArticleSignal.updated_at).where(
            LearnedArticleSignal.locale == hit_locale, LearnedArticleSignal.term.in_(list(query_terms)),
            LearnedArticleSignal.article_slug.in_(slugs))).all()
        for slug, term, weight, updated_at in rows:
            # each query term counts by its rarity: a shared common word is weak evidence
            key = (hit_locale, slug)
            share = query_terms[term] / total_weight
            evidence[key] = evidence.get(key, 0.0) + share * decayed(weight, updated_at, now)
    if not evidence:
        return hits
    for position, hit in enumerate(hits):
        factor = boost(evidence.get((hit["locale"], hit["slug"]), 0.0))
        boosted.append((-hit["score"] * factor, position, {**hit, "score": round(hit["score"] * factor, 4)}))
    boosted.sort(key=lambda item: (item[0], item[1]))
    return [hit for _score, _position, hit in boosted]
