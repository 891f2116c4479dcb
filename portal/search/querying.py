"""Whoosh queries for article search and as-you-type suggestions.

Views never build Whoosh queries; ``services.py`` calls these. Queries are
built directly from analyzed terms (no query parser): a customer's text is a
question, not a query language, so quotes, ``AND`` or ``field:`` have no
special meaning, and skipping the parser saves time on every keystroke.

Ranking is BM25 over the weighted sections of ``text_<lang>`` (title words
weigh most: see ``schema.py``); the terms are OR-ed, so a long question still
finds its article when only some of its words occur, while articles that
contain more of them (and rarer ones) score higher.
"""
from __future__ import annotations

import re
from functools import lru_cache

from whoosh.query import NullQuery, Or, Query, Term

from portal.search.analysis import PREFIX_MAX_CHARS, PREFIX_MIN_CHARS, analyze, fold, stop_words, words
from portal.search.schema import ARTICLE_TEXT, LOCALE, PREFIX_TEXT, WORDS_TEXT, lang_field

#: Weight of the half-typed last word matched against title/heading word beginnings.
PREFIX_BOOST = 1.5
#: A term in more than this share of a language's articles is "common" (see top_documents).
COMMON_FRACTION = 0.08
COMMON_MIN_DOCS = 50
#: Candidates rare terms pick for common terms to re-score: limit * POOL_FACTOR, at least MIN_POOL.
POOL_FACTOR = 10
MIN_POOL = 50
#: Longest query we analyze; the rest of a pasted essay adds nothing but time.
MAX_QUERY_CHARS = 200

_ENDS_MID_WORD = re.compile(r"\w$")
_LAST_WORD = re.compile(r"(\w+)$")


def normalize(text: str) -> str:
    """Collapse whitespace and cut to :data:`MAX_QUERY_CHARS`."""
    return " ".join((text or "").split())[:MAX_QUERY_CHARS]


def split_typed(text: str) -> tuple[str, str | None]:
    """Split as-you-type text into its complete part and the word being typed.

    ``"map verwij"`` -> ``("map ", "verwij")``; text ending in a space or
    punctuation has no partial word.
    """
    if not _ENDS_MID_WORD.search(text):
        return text, None
    match = _LAST_WORD.search(text)
    return text[:match.start()], match.group(1)


def query_terms(text: str, lang: str, *, as_you_type: bool = False) -> list[Term]:
    """The weighted terms ``text`` means in ``lang``'s fields.

    With ``as_you_type`` the last word may be cut mid-word: it matches the
    beginnings of title/heading/tag words (edge n-grams) and, in case it is
    already whole, its stem (at half weight).
    """
    if as_you_type:
        complete, partial = split_typed(text)
    else:
        complete, partial = text, None
    field = lang_field(ARTICLE_TEXT, lang)
    stems = analyze(complete, lang)
    terms = [Term(field, stem) for stem in stems]
    if partial:
        folded = fold(partial)
        if len(folded) >= PREFIX_MIN_CHARS:
            terms.append(Term(lang_field(PREFIX_TEXT, lang), folded[:PREFIX_MAX_CHARS], boost=PREFIX_BOOST))
        terms.extend(Term(field, stem, boost=0.5) for stem in analyze(partial, lang) if stem not in stems)
    return terms


@lru_cache(maxsize=8)
def _stop_words_of(langs: tuple[str, ...]) -> frozenset[str]:
    return frozenset().union(*(stop_words(lang) for lang in langs))


def without_any_stop_words(text: str, langs, *, as_you_type: bool = True) -> str:
    """``text`` without the words that are stop words in any of ``langs``.

    For a search across languages: each language's analyzer drops only its
    own stop words, so English "how can I" would count as rare, high-scoring
    words in the German and Dutch fields (where articles quote English UI
    text) and outrank the English article that answers the question. With
    ``as_you_type`` the word being typed is kept; text made only of stop
    words is kept whole.
    """
    complete, partial = split_typed(text) if as_you_type else (text, None)
    stop = _stop_words_of(tuple(langs))
    kept = [word for word in words(complete) if word not in stop and fold(word) not in stop]
    if not kept and not partial:
        return text
    return " ".join(kept) + (" " + partial if partial else " ")


def article_query(text: str, lang: str, *, as_you_type: bool = False) -> Query:
    """The Whoosh query for ``text`` in ``lang`` (NullQuery if no word is left)."""
    terms = query_terms(text, lang, as_you_type=as_you_type)
    return Or(terms) if terms else NullQuery


def top_documents(searcher, text: str, langs, limit: int, *, as_you_type: bool = False) -> list[tuple[float, int]]:
    """``(score, docnum)`` of the best ``limit`` documents, best first (for suggest).

    The same BM25 ranking as :func:`article_query`, computed faster: Whoosh's
    pure-Python matchers spend most of a query walking the postings of very
    common words ("microsoft" is in half the articles). Those terms add
    little to the ranking but are still counted: rarer terms pick a pool of
    candidates, then the common terms' scores are added for the pool only,
    skipping through their postings (MaxScore-style). Measured on the 11,000
    article corpus this cuts p95 several times for whole questions.
    """
    scored: list[tuple[float, int]] = []
    if len(langs) > 1:
        text = without_any_stop_words(text, langs, as_you_type=as_you_type)
    for lang in langs:
        terms = query_terms(text, lang, as_you_type=as_you_type)
        if not terms:
            continue
        documents = max(1, searcher.doc_frequency(LOCALE, lang))
        common_df = max(COMMON_MIN_DOCS, documents * COMMON_FRACTION)
        rare, common = [], []
        for term in terms:
            df = searcher.doc_frequency(term.fieldname, term.text)
            if df:
                (common if df > common_df else rare).append(term)
        if not rare:
            rare, common = common, []
        if not rare:
            continue
        pool_size = limit if not common else max(limit * POOL_FACTOR, MIN_POOL)
        pool = searcher.search(Or(rare), limit=pool_size)
        scores = {hit.docnum: hit.score for hit in pool}
        if common:
            candidates = sorted(scores)
            for term in common:
                matcher = searcher.postings(term.fieldname, term.text)
                for docnum in candidates:
                    if not matcher.is_active():
                        break
                    if matcher.id() < docnum:
                        matcher.skip_to(docnum)
                        if not matcher.is_active():
                            break
                    if matcher.id() == docnum:
                        scores[docnum] += matcher.score() * term.boost
        scored.extend((score, docnum) for docnum, score in scores.items())
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return scored[:limit]


def spelling_suggestion(searcher, text: str, lang: str) -> str | None:
    """The query with unknown words replaced by the closest indexed words, or None.

    The vocabulary is the index's own (``words_<lang>``: unstemmed words of
    the published articles), so suggestions always lead somewhere.
    """
    field = lang_field(WORDS_TEXT, lang)
    reader = searcher.reader()
    corrector = None
    stops = stop_words(lang)
    changed = False
    corrected = []
    for word in words(text):
        if len(word) < 3 or word.isdigit() or word in stops or reader.doc_frequency(field, word) > 0:
            corrected.append(word)
            continue
        corrector = corrector or searcher.corrector(field)
        found = corrector.suggest(word, limit=1, maxdist=2, prefix=1)
        if found and found[0] != word:
            corrected.append(found[0])
            changed = True
        else:
            corrected.append(word)
    return " ".join(corrected) if changed else None
