"""Whoosh queries for article search and as-you-type suggestions.

Views never build Whoosh queries; ``services.py`` calls these. Queries are
built directly from analyzed terms (no query parser): a customer's text is a
question, not a query language, so quotes, ``AND`` or ``field:`` have no
special meaning, and skipping the parser saves time on every keystroke.

What a query is made of (:func:`query_terms`), all OR-ed and BM25-scored over
the weighted sections of an article (title and ``questions:`` weigh most: see
``schema.py``), each term boosted by the weight of the text it came from
(``longtext.py``: subject over description):

* the stems of the customer's words, without greetings and filler; when
  there are more than :data:`MAX_WORD_TERMS`, the rarest in the index win
  (an error code or a product name decides, not "problem" or "error");
* the pairs of adjacent stems (phrases of title, questions, headings and
  summary: ``pairs_<lang>``);
* the writers' synonyms of those words (``synonyms.py``), weaker;
* for words the index does not know: the parts of a compound and the
  indexed words one or two typos away (``expansion.py``), weaker;
* for the word being typed: its likeliest completions in the index's own
  vocabulary (:func:`completions`), each scored as a whole word of the
  article text weighted by how likely it is, an article counting only its
  best one; its beginning against the title/questions word beginnings
  (``titleprefix_<lang>``); its stem in case it is already whole; and, when
  nothing begins so, a compound's known first part or the closest title
  word beginning. (Completing at query time replaced indexed word beginnings
  of the whole article: same ranking, a third of the index.)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from math import log

from whoosh.query import DisjunctionMax, NullQuery, Or, Query, Term

from portal.search import synonyms as synonym_store
from portal.search.analysis import (
    PREFIX_MAX_CHARS, PREFIX_MIN_CHARS, analyze, fold, stem_of, stop_words, words,
)
from portal.search.expansion import MIN_COMPOUND_CHARS, corrections, split_compound, split_typed_compound
from portal.search.longtext import MAX_TEXT_CHARS, Part, filler_words, ticket_parts
from portal.search.schema import (
    ARTICLE_TEXT, LOCALE, PAIRS_TEXT, TITLE_PREFIX_TEXT, TITLE_TEXT, WORDS_TEXT, lang_field,
)

#: Weight of the half-typed last word matched against word beginnings.
PREFIX_BOOST = 1.0
#: The typed word's completions: words of the vocabulary walked, and used (the most frequent).
MAX_PREFIX_SCAN = 400
MAX_COMPLETIONS = 12
#: Shortest typed word expanded over the whole vocabulary (shorter ones: titles only).
MIN_EXPANDED_PREFIX = 3
#: Beyond this many words (a ticket's description) the typed word is one of
#: hundreds: it is matched against title beginnings only, not completed (cost).
MAX_WORDS_FOR_COMPLETIONS = 40
#: A completion weighs (its share of the prefix's completions) ** this: 1 is the
#: expected score over the completions, 0 counts every completion fully.
COMPLETION_SHARE_EXPONENT = 0.5
#: Weight of the half-typed word matched against title/questions word beginnings alone
#: (since the body's word beginnings are completions, not n-grams, 1.0 beats 0.5 everywhere measured).
TITLE_PREFIX_BOOST = 1.0
#: Weight of the half-typed word's own stem (in case it is already whole).
PARTIAL_STEM_BOOST = 0.5
#: Weight of a word in the title/questions field (BM25 over those alone), relative to the article text.
TITLE_FIELD_BOOST = 1.0
#: Weight of a pair of adjacent words found side by side in an article.
PAIR_BOOST = 0.1
#: Weights of expansions, relative to the word they stand for.
SYNONYM_BOOST = 0.7
TYPO_BOOST = 0.7
COMPOUND_PART_BOOST = 0.6          # the compound itself is not in the index
KNOWN_COMPOUND_PART_BOOST = 0.3    # it is, and its parts also say it
#: At most this many distinct words of a text become query terms (the rarest).
MAX_WORD_TERMS = 14
#: Typos are corrected only in texts of at most this many words (a long
#: description's unknown words are names and identifiers, not typos).
MAX_WORDS_FOR_TYPOS = 30
#: At most this many words are expanded per query, of them at most
#: MAX_TYPO_WORDS corrected (a correction walks the vocabulary: bounded cost).
MAX_EXPANDED_WORDS = 8
MAX_TYPO_WORDS = 2
#: A term in more than this share of a language's articles is "common" (see top_documents).
COMMON_FRACTION = 0.08
COMMON_MIN_DOCS = 50
#: Candidates rare terms pick for common terms to re-score: limit * POOL_FACTOR, at least MIN_POOL.
POOL_FACTOR = 10
MIN_POOL = 50
#: Longest query we analyze; beyond it the beginning is used (see longtext.py).
MAX_QUERY_CHARS = MAX_TEXT_CHARS

_ENDS_MID_WORD = re.compile(r"\w$")
_LAST_WORD = re.compile(r"(\w+)$")


def normalize(text: str) -> str:
    """Collapse whitespace and cut to :data:`MAX_QUERY_CHARS`."""
    return " ".join((text or "")[:MAX_QUERY_CHARS * 2].split())[:MAX_QUERY_CHARS]


def split_typed(text: str) -> tuple[str, str | None]:
    """Split as-you-type text into its complete part and the word being typed.

    ``"map verwij"`` -> ``("map ", "verwij")``; text ending in a space or
    punctuation has no partial word.
    """
    if not _ENDS_MID_WORD.search(text):
        return text, None
    match = _LAST_WORD.search(text)
    return text[:match.start()], match.group(1)


def typed_parts(parts: list[Part], as_you_type: bool) -> tuple[list[Part], str | None]:
    """Split the word being typed off the last part (the field the customer is in)."""
    if not as_you_type or not parts:
        return parts, None
    complete, partial = split_typed(parts[-1].text)
    return [*parts[:-1], Part(complete, parts[-1].weight)], partial


@dataclass
class _Word:
    """One distinct stem of the customer's text."""

    stem: str
    df: int
    weight: float = 0.0
    count: int = 0
    spellings: set[str] = field(default_factory=set)


class _Terms:
    """Weighted terms, each (field, text) once at its highest weight, and groups
    of alternatives of which a document counts only its best (a typed word's completions)."""

    def __init__(self) -> None:
        self.boosts: dict[tuple[str, str], float] = {}
        self.alternatives: dict[tuple[str, str], float] = {}

    def add(self, fieldname: str, text: str, boost: float) -> None:
        key = (fieldname, text)
        if boost > self.boosts.get(key, 0.0):
            self.boosts[key] = boost

    def alternative(self, fieldname: str, text: str, boost: float) -> None:
        key = (fieldname, text)
        if boost > self.alternatives.get(key, 0.0):
            self.alternatives[key] = boost

    def terms(self) -> list[Query]:
        found: list[Query] = [Term(f, t, boost=b) for (f, t), b in self.boosts.items()]
        if self.alternatives:
            # DisjunctionMax (an article scores its best alternative): one with
            # "verwijderen" and "verwijderde" is not twice as good a match for
            # "verwij" as one with only "verwijderen" (Whoosh has no tie-break).
            found.append(DisjunctionMax([Term(f, t, boost=b) for (f, t), b in self.alternatives.items()]))
        return found


def doc_frequency(searcher, fieldname: str, text: str) -> int:
    """``searcher.doc_frequency``, remembered for the life of this searcher.

    A ticket asks for a few hundred words' frequencies and the next
    keystroke for the same ones again; a searcher is replaced whenever the
    index changes, so its memo can never be stale.
    """
    memo = getattr(searcher, "_portal_df_memo", None)
    if memo is None or len(memo) > 200_000:
        memo = searcher._portal_df_memo = {}
    key = (fieldname, text)
    df = memo.get(key)
    if df is None:
        df = memo[key] = searcher.doc_frequency(fieldname, text)
    return df


def _idf(df: int, documents: int) -> float:
    return log(documents / (df + 1)) + 1


@lru_cache(maxsize=16)
def _analyzed_synonyms(lang: str, _version: int) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """The writers' synonyms of ``lang`` as stem sequences (cached per synonyms version)."""
    analyzed: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for key, equivalents in synonym_store.synonyms_for(lang).items():
        stems = tuple(analyze(key, lang))
        if stems:
            found = analyzed.setdefault(stems, [])
            found.extend(s for s in (tuple(analyze(e, lang)) for e in equivalents) if s and s != stems)
    return analyzed


def query_terms(searcher, text: str | list[Part], lang: str, *, as_you_type: bool = False) -> list[Query]:
    """The weighted terms ``text`` (a query, or a ticket's weighted parts) means in ``lang``."""
    parts = ticket_parts(text) if isinstance(text, str) else list(text)
    parts, partial = typed_parts(parts, as_you_type)
    text_field, pairs_field = lang_field(ARTICLE_TEXT, lang), lang_field(PAIRS_TEXT, lang)
    words_field = lang_field(WORDS_TEXT, lang)
    documents = max(1, searcher.doc_frequency(LOCALE, lang))
    fillers = filler_words(lang)
    found: dict[str, _Word] = {}
    sequences: list[tuple[list[str], float]] = []
    total_words = 0
    for part in parts:
        sequence = []
        for word in words(part.text):
            total_words += 1
            if word in fillers:
                continue
            stem = stem_of(word, lang)
            if stem is None:
                continue
            sequence.append(stem)
            info = found.get(stem)
            if info is None:
                info = found[stem] = _Word(stem, doc_frequency(searcher, text_field, stem))
            info.count += 1
            info.weight = max(info.weight, part.weight)
            if len(info.spellings) < 3:
                info.spellings.add(word)
        sequences.append((sequence, part.weight))

    terms = _Terms()
    known = sorted((w for w in found.values() if w.df),
                   key=lambda w: -w.weight * _idf(w.df, documents) * (1 + 0.5 * log(w.count)))
    chosen = {w.stem for w in known[:MAX_WORD_TERMS]}
    title_field = lang_field(TITLE_TEXT, lang)
    for info in known[:MAX_WORD_TERMS]:
        terms.add(text_field, info.stem, info.weight)
        if TITLE_FIELD_BOOST:
            terms.add(title_field, info.stem, TITLE_FIELD_BOOST * info.weight)

    for sequence, weight in sequences:
        for first, second in zip(sequence, sequence[1:]):
            if first != second and first in chosen and second in chosen:
                terms.add(pairs_field, f"{first} {second}", PAIR_BOOST * weight)

    _add_synonyms(terms, sequences, lang, text_field, pairs_field)
    allow_typos = total_words <= MAX_WORDS_FOR_TYPOS
    candidates = [w for w in found.values() if not w.df or w.stem in chosen]
    typos_left = MAX_TYPO_WORDS
    for info in sorted(candidates, key=lambda w: (bool(w.df), -w.weight))[:MAX_EXPANDED_WORDS]:
        spelling = min(info.spellings)
        may_correct = typos_left > 0 and (allow_typos or info.weight >= 1.0)
        if _expand_word(searcher, terms, spelling, info, lang, may_correct,
                        text_field, pairs_field, words_field) == "corrected":
            typos_left -= 1
    if partial:
        _add_partial(searcher, terms, partial, lang, found, text_field, words_field,
                     complete=total_words <= MAX_WORDS_FOR_COMPLETIONS)
    return terms.terms()


def _add_synonyms(terms: _Terms, sequences, lang, text_field, pairs_field) -> None:
    synonym_store.synonyms_for(lang)  # rechecks files and other processes' edits: may change version()
    table = _analyzed_synonyms(lang, synonym_store.version())
    if not table:
        return
    longest = max(len(key) for key in table)
    for sequence, weight in sequences:
        for start in range(len(sequence)):
            for size in range(1, min(longest, len(sequence) - start) + 1):
                key = tuple(sequence[start:start + size])
                for equivalent in table.get(key, ()):
                    boost = SYNONYM_BOOST * weight
                    for stem in equivalent:
                        terms.add(text_field, stem, boost)
                    for first, second in zip(equivalent, equivalent[1:]):
                        terms.add(pairs_field, f"{first} {second}", PAIR_BOOST * boost)


def _expand_word(searcher, terms: _Terms, word, info: _Word, lang, allow_typos, text_field, pairs_field,
                 words_field) -> str | None:
    """Add the compound parts or typo corrections of ``word``: "split", "corrected" or None."""
    reader = searcher.reader()
    unknown = not info.df
    parts = split_compound(reader, words_field, word, lang) if len(word) >= MIN_COMPOUND_CHARS else []
    if parts:
        boost = (COMPOUND_PART_BOOST if unknown else KNOWN_COMPOUND_PART_BOOST) * info.weight
        stems = [s for s in (stem_of(p, lang) for p in parts) if s]
        for stem in stems:
            terms.add(text_field, stem, boost)
        for first, second in zip(stems, stems[1:]):
            terms.add(pairs_field, f"{first} {second}", boost)
        return "split"
    if not unknown or not allow_typos or reader.doc_frequency(words_field, word):
        return None
    for rank, correction in enumerate(remembered_corrections(searcher, words_field, word)):
        stem = stem_of(correction, lang)
        if stem:
            terms.add(text_field, stem, TYPO_BOOST * info.weight / (rank + 1))
    return "corrected"


def remembered_corrections(searcher, fieldname: str, word: str) -> list[str]:
    """:func:`expansion.corrections`, remembered for the life of this searcher (next keystrokes)."""
    memo = getattr(searcher, "_portal_typo_memo", None)
    if memo is None or len(memo) > 10_000:
        memo = searcher._portal_typo_memo = {}
    key = (fieldname, word)
    if key not in memo:
        memo[key] = corrections(searcher, fieldname, word)
    return memo[key]


def completions(searcher, words_field: str, prefix: str, lang: str) -> list[tuple[str, float]]:
    """``(stem, share)`` of the indexed words that begin with ``prefix``, likeliest first.

    The vocabulary field (``words_<lang>``) is walked from ``prefix`` in term
    order, at most :data:`MAX_PREFIX_SCAN` words; each word's share is its
    document frequency over that of all the words walked, summed per stem
    ("invoice", "invoices" -> "invoic"). Remembered for the life of this
    searcher (the next keystroke asks for the next prefix; backspace for the same).
    """
    memo = getattr(searcher, "_portal_completion_memo", None)
    if memo is None or len(memo) > 20_000:
        memo = searcher._portal_completion_memo = {}
    key = (words_field, prefix)
    found = memo.get(key)
    if found is None:
        scanned: list[tuple[str, int]] = []
        for text, terminfo in searcher.reader().iter_prefix(words_field, prefix):
            word = text.decode("utf-8") if isinstance(text, bytes) else text
            scanned.append((word, terminfo.doc_frequency()))
            if len(scanned) >= MAX_PREFIX_SCAN:
                break
        total = sum(df for _word, df in scanned) or 1
        shares: dict[str, float] = {}
        for word, df in sorted(scanned, key=lambda pair: -pair[1])[:MAX_COMPLETIONS]:
            stem = stem_of(word, lang)
            if stem:
                shares[stem] = shares.get(stem, 0.0) + df / total
        found = memo[key] = sorted(shares.items(), key=lambda pair: -pair[1])
    return found


def _add_partial(searcher, terms: _Terms, partial: str, lang, found, text_field, words_field,
                 complete: bool = True) -> None:
    """The word being typed: its likely completions in the article text (scored
    like whole words, weighted by how likely each completion is), its beginning
    against the title/questions word beginnings, and its own stem."""
    folded = fold(partial)
    if len(folded) < PREFIX_MIN_CHARS:
        return
    reader = searcher.reader()
    title_prefix_field = lang_field(TITLE_PREFIX_TEXT, lang)
    prefix = folded[:PREFIX_MAX_CHARS]
    lowered = partial.lower()
    stem = stem_of(lowered, lang)
    expanded = (completions(searcher, words_field, lowered, lang)
                if complete and len(lowered) >= MIN_EXPANDED_PREFIX else [])
    in_titles = reader.doc_frequency(title_prefix_field, prefix)
    for completion, share in expanded:
        terms.alternative(text_field, completion, PREFIX_BOOST * share ** COMPLETION_SHARE_EXPONENT)
    if in_titles and TITLE_PREFIX_BOOST:
        terms.add(title_prefix_field, prefix, TITLE_PREFIX_BOOST)
    if expanded or in_titles:
        pass
    elif stem and reader.doc_frequency(text_field, stem):
        pass  # a whole word after all, in another form than any article writes it
    else:
        compound = split_typed_compound(reader, words_field, partial.lower(), lang)
        if compound:
            head, rest = compound
            stem = stem_of(head, lang)
            if stem:
                terms.add(text_field, stem, 1.0)
            for completion, share in completions(searcher, words_field, rest, lang):
                terms.alternative(text_field, completion, 0.8 * PREFIX_BOOST * share ** COMPLETION_SHARE_EXPONENT)
        elif len(prefix) >= 4:
            for near in remembered_corrections(searcher, title_prefix_field, prefix)[:1]:
                terms.add(title_prefix_field, near, PREFIX_BOOST * TYPO_BOOST)
    if stem and stem not in found:
        terms.alternative(text_field, stem, PARTIAL_STEM_BOOST)


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


def article_query(searcher, text: str, lang: str, *, as_you_type: bool = False) -> Query:
    """The Whoosh query for ``text`` in ``lang`` (NullQuery if no word is left)."""
    terms = query_terms(searcher, text, lang, as_you_type=as_you_type)
    return Or(terms) if terms else NullQuery


def top_documents(searcher, text: str | list[Part], langs, limit: int, *,
                  as_you_type: bool = False) -> list[tuple[float, int]]:
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
        if isinstance(text, str):
            text = without_any_stop_words(text, langs, as_you_type=as_you_type)
        else:
            text = [Part(without_any_stop_words(p.text, langs, as_you_type=as_you_type and i == len(text) - 1),
                         p.weight) for i, p in enumerate(text)]
    for lang in langs:
        terms = query_terms(searcher, text, lang, as_you_type=as_you_type)
        if not terms:
            continue
        documents = max(1, searcher.doc_frequency(LOCALE, lang))
        common_df = max(COMMON_MIN_DOCS, documents * COMMON_FRACTION)
        rare, common = [], []
        for term in terms:
            if not isinstance(term, Term):  # a group of alternatives: common if any member is
                df = max(doc_frequency(searcher, t.fieldname, t.text) for t in term.subqueries)
                (common if df > common_df else rare).append(term)
                continue
            df = doc_frequency(searcher, term.fieldname, term.text)
            if df:
                (common if df > common_df else rare).append(term)
        if not rare:
            rare, common = common, []
        if not rare:
            continue
        pool_size = limit if not common else max(limit * POOL_FACTOR, MIN_POOL)
        # optimize=False: Whoosh's block-quality skipping recomputes the union's
        # best possible score at every block and costs more than it saves on
        # these many-term ORs (measured, 2,800 Dutch articles: 5,000-character
        # tickets p50 155 -> 80 ms at load ~22, title queries 106 -> 71 ms;
        # identical results).
        pool = searcher.search(Or(rare), limit=pool_size, optimize=False)
        scores = {hit.docnum: hit.score for hit in pool}
        if common:
            candidates = sorted(scores)
            for term in common:
                if isinstance(term, Term):
                    for docnum, score in _scores_of(searcher, term, candidates):
                        scores[docnum] += score
                    continue
                best: dict[int, float] = {}  # a group: each candidate's best member (as DisjunctionMax)
                for member in term.subqueries:
                    for docnum, score in _scores_of(searcher, member, candidates):
                        best[docnum] = max(best.get(docnum, 0.0), score)
                for docnum, score in best.items():
                    scores[docnum] += score
        scored.extend((score, docnum) for docnum, score in scores.items())
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return scored[:limit]


def _scores_of(searcher, term: Term, candidates: list[int]):
    """``(docnum, boosted score)`` of ``term`` for the sorted ``candidates`` that contain it,
    skipping through its postings."""
    if not doc_frequency(searcher, term.fieldname, term.text):
        return
    matcher = searcher.postings(term.fieldname, term.text)
    for docnum in candidates:
        if not matcher.is_active():
            return
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
            if not matcher.is_active():
                return
        if matcher.id() == docnum:
            yield docnum, matcher.score() * term.boost


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
