"""Text analysis for search: one Whoosh analyzer chain per language.

Every language gets the same pipeline, differing only in its stop words and
Snowball stemmer::

    words -> lower case -> drop stop words -> stem (Snowball, per thread, cached) -> fold accents

Stemming runs *before* accent folding because the Snowball algorithms for
German, Swedish and Polish read the diacritics (``löschen`` -> ``losch``);
folding afterwards still lets a customer who types without them ("loschen")
meet the indexed form; where stemming the undecorated word gives another stem
(Polish "usunac" vs "usunąć"), the index holds both.

Two more analyzers serve as-you-type search and "did you mean":

* :func:`prefix_analyzer` indexes the *edge n-grams* of the words of titles
  and ``questions:`` (``verwijderen`` -> ``ve``, ``ver``, ``verw``...): a
  half-typed word costs one term lookup there. In the body the typed word is
  completed at query time against the vocabulary instead (``querying.completions``):
  n-grams of every body word tripled the index for no better ranking.
* :func:`word_analyzer` keeps words as written (lower-cased, unstemmed) so the
  spelling corrector proposes real words, not stems.
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer
from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    NgramFilter,
    RegexTokenizer,
    StopFilter,
    Tokenizer,
)
from whoosh.lang.stopwords import stoplists
from whoosh.support.charset import accent_map

from portal.config import SUPPORTED_LOCALES

#: Snowball algorithm per portal language.
SNOWBALL_ALGORITHMS = {
    "en": "english",
    "nl": "dutch",
    "de": "german",
    "sv": "swedish",
    "pl": "polish",
}

#: Whoosh ships no Polish stop list; these are the most frequent function words.
POLISH_STOP_WORDS = frozenset("""
a aby ale albo ani aż bo być był była było były będzie chyba ci co czy dla do
gdy gdzie go i ich ile im innych ja jak jaki jako je jego jej jest jeszcze
jeśli jednak już ją każdy kiedy kto która które którego której który których
lub ma mi mnie może można na nad nam nas nie nich nim niż no o od oraz po pod
przez przy się są ta tak także tam te tego tej ten też to tu tylko tym u w we
więc wszystko z za ze że żeby
""".split())

#: Minimum and maximum length of the indexed word beginnings for as-you-type.
PREFIX_MIN_CHARS = 2
PREFIX_MAX_CHARS = 16

#: Words that match anything and help nothing in a question ("how do I ...").
#: Added to Whoosh's English list, which lacks some of them.
EXTRA_ENGLISH_STOP_WORDS = frozenset(
    "how what why when where which who whom whose does did do doing i me my can could "
    "would should get got there their is are was were am been has have had its it's".split())

#: Characters a token may consist of: letters, digits, and inner dots/underscores
#: (``outlook.com``, ``set_up``).
TOKEN_PATTERN = r"\w+(?:[.']\w+)*"

_STEM_CACHE_SIZE = 100_000


#: Question words and modal verbs that Whoosh's lists lack ("warum", "måste"):
#: they say that something is asked, not what.
EXTRA_STOP_WORDS = {
    "en": EXTRA_ENGLISH_STOP_WORDS | frozenset("must".split()),
    "de": frozenset("warum wann woher wohin wer müssen gibt".split()),
    "nl": frozenset("waarom wanneer welke welk waar moeten kun".split()),
    "sv": frozenset("måste ska skall finns får gör".split()),
}


@lru_cache(maxsize=None)
def stop_words(lang: str) -> frozenset[str]:
    if lang == "pl":
        return POLISH_STOP_WORDS
    return frozenset(stoplists[lang]) | EXTRA_STOP_WORDS.get(lang, frozenset())


#: Separates weighted sections in one field value (see :class:`SectionTokenizer`).
#: A control character: it never occurs in text, and ``str.split()`` treats it
#: as white space, so normalized queries cannot contain it.
SECTION_MARK = "\x1f"


def weighted_sections(*sections: tuple[str, float]) -> str:
    """Join ``(text, weight)`` sections into one value for :class:`SectionTokenizer`."""
    return "".join(f"{SECTION_MARK}{weight:g}{SECTION_MARK}{text}" for text, weight in sections if text)


class SectionTokenizer(Tokenizer):
    """Tokenizes like a regex tokenizer, giving each token its section's weight.

    This is how one field holds title, headings, summary/tags and body with a
    weight each: Whoosh stores the sum of token boosts as a term's weight in a
    document, so a title word counts three times a body word *before* BM25's
    term-frequency saturation (the original BM25F formulation). One posting
    list per query term instead of one per field makes a query several times
    faster than OR-ing four fields (measured on the 11,000-article corpus).
    Values without section marks (queries, text to highlight) are plain text.
    """

    def __init__(self, expression: str = None):
        self.expression = expression or TOKEN_PATTERN
        self._inner = RegexTokenizer(self.expression)

    def __eq__(self, other):
        return isinstance(other, SectionTokenizer) and other.expression == self.expression

    def __call__(self, value, **kwargs):
        if SECTION_MARK not in value:
            yield from self._inner(value, **kwargs)
            return
        parts = value.split(SECTION_MARK)
        offset = kwargs.pop("start_char", 0) + len(parts[0])
        position = kwargs.pop("start_pos", 0)
        for index in range(1, len(parts) - 1, 2):
            weight_text, text = parts[index], parts[index + 1]
            weight = float(weight_text)
            offset += len(weight_text) + 2
            for token in self._inner(text, start_char=offset, start_pos=position, **kwargs):
                token.boost = weight
                position += 1
                yield token
            offset += len(text)


class Stemmer:
    """Thread-safe, memoized Snowball stemming for one language.

    ``snowballstemmer`` objects keep the word being stemmed in instance state,
    so one object shared by gthread workers' threads mixes words up (another
    word's stem, ``IndexError``, ``AssertionError``). Each thread therefore gets
    its own stemmer (``threading.local``). The memo maps a word to the stem a
    stemmer computed *for that word* alone, so it can never hold another
    word's stem; dict reads and writes are atomic, and when the memo is full it
    is dropped whole (cheaper and simpler than LRU bookkeeping under threads).
    """

    def __init__(self, lang: str, cache_size: int = _STEM_CACHE_SIZE):
        self.algorithm = SNOWBALL_ALGORITHMS[lang]
        self.cache_size = cache_size
        self._local = threading.local()
        self._memo: dict[str, str] = {}

    def _thread_stemmer(self):
        stemmer = getattr(self._local, "stemmer", None)
        if stemmer is None:
            stemmer = self._local.stemmer = snowballstemmer.stemmer(self.algorithm)
        return stemmer

    def __call__(self, word: str) -> str:
        stem = self._memo.get(word)
        if stem is None:
            stem = self._thread_stemmer().stemWord(word)
            if len(self._memo) >= self.cache_size:
                self._memo = {}
            self._memo[word] = stem
        return stem


@lru_cache(maxsize=None)
def cached_stemmer(lang: str) -> Stemmer:
    """The one :class:`Stemmer` of ``lang`` (safe to share between threads)."""
    return Stemmer(lang)


class SnowballFilter(Filter):
    """Stems tokens with a ``snowballstemmer`` algorithm, memoizing each word.

    The pure-Python stemmers cost ~10 us a word; help-center text repeats the
    same few thousand words, so an LRU cache makes stemming nearly free when
    indexing thousands of articles and when a query is typed letter by letter.
    """

    is_morph = True  # lets Whoosh skip it for spelling words (no_morph=True)

    def __init__(self, lang: str):
        self.lang = lang
        self._stem = cached_stemmer(lang)

    def __eq__(self, other):
        return isinstance(other, SnowballFilter) and other.lang == self.lang

    def __getstate__(self):  # Whoosh pickles the schema into the index's TOC
        return {"lang": self.lang}

    def __setstate__(self, state):
        self.__init__(state["lang"])

    def __call__(self, tokens):
        stem = self._stem
        for token in tokens:
            # SpellField passes ``nomorph`` (sic) through the token attributes.
            if token.stopped or getattr(token, "nomorph", False):
                yield token
                continue
            word = token.text
            token.text = stem(word)
            token.variant = False
            yield token
            if token.mode == "index":
                # Also index the stem of the word written without diacritics:
                # Polish "usunąć" stems to "usun", but a customer typing
                # "usunac" gets the stem "usunac"; indexing both (queries stay
                # single) lets either spelling find the article.
                plain = word.translate(accent_map)
                if plain != word:
                    variant = stem(plain)
                    if variant.translate(accent_map) != token.text.translate(accent_map):
                        token.text = variant
                        token.variant = True  # same word again: PairFilter skips it
                        yield token


class PairFilter(Filter):
    """Turns a stream of stems into the pairs of adjacent ones (``"delet account"``).

    Indexed in a field of their own, the pairs give phrase and proximity
    credit without positions: a query's adjacent words that also stand side
    by side in an article (stop words between them do not count) match a
    pair term, BM25-scored like any other (rare pairs weigh more). Each pair
    keeps the weight of its section (see :class:`SectionTokenizer`).
    """

    def __eq__(self, other):
        return isinstance(other, PairFilter)

    def __call__(self, tokens):
        previous = None
        previous_boost = 1.0
        for token in tokens:
            if token.stopped or getattr(token, "variant", False):
                continue
            text, boost = token.text, token.boost
            if previous is not None:
                token.text = f"{previous} {text}"
                token.boost = min(boost, previous_boost)
                yield token
            previous, previous_boost = text, boost


@lru_cache(maxsize=None)
def language_analyzer(lang: str):
    """Tokenize, lower-case, drop stop words, stem, fold accents (for ``lang``)."""
    if lang not in SNOWBALL_ALGORITHMS:
        raise ValueError(f"no analyzer for language {lang!r}")
    return (SectionTokenizer()
            | LowercaseFilter()
            | StopFilter(stoplist=stop_words(lang), minsize=1)
            | SnowballFilter(lang)
            | CharsetFilter(accent_map))


@lru_cache(maxsize=None)
def pair_analyzer(lang: str):
    """The language analyzer's stems, as pairs of adjacent ones (phrase/proximity)."""
    return language_analyzer(lang) | PairFilter()


def pairs(text: str, lang: str) -> list[str]:
    """The distinct adjacent-stem pairs of ``text`` in ``lang``, in order."""
    seen: dict[str, None] = {}
    for token in pair_analyzer(lang)(text):
        seen.setdefault(token.text, None)
    return list(seen)


@lru_cache(maxsize=None)
def prefix_analyzer():
    """Edge n-grams of lower-cased, accent-folded words (language-neutral)."""
    return (SectionTokenizer()
            | LowercaseFilter()
            | CharsetFilter(accent_map)
            | NgramFilter(minsize=PREFIX_MIN_CHARS, maxsize=PREFIX_MAX_CHARS, at="start"))


@lru_cache(maxsize=None)
def word_analyzer(lang: str):
    """Words as written, lower-cased, without stop words: the spelling vocabulary."""
    return (SectionTokenizer()
            | LowercaseFilter()
            | StopFilter(stoplist=stop_words(lang), minsize=2))


_fold_chain = RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)


def fold(word: str) -> str:
    """Lower-case and strip accents from one word, as the prefix field does."""
    return "".join(t.text for t in _fold_chain(word))


def analyze(text: str, lang: str) -> list[str]:
    """The distinct index terms of ``text`` in ``lang``, in the order they occur."""
    seen: dict[str, None] = {}
    for token in language_analyzer(lang)(text):
        seen.setdefault(token.text, None)
    return list(seen)


def stem_of(word: str, lang: str) -> str | None:
    """The index term of one lower-cased word in ``lang`` (None for a stop word).

    The same steps as :func:`language_analyzer` for a single word, without the
    analyzer chain's per-call overhead (long ticket text has hundreds of words).
    """
    if not word or word in stop_words(lang):
        return None
    return cached_stemmer(lang)(word).translate(accent_map)


def words(text: str) -> list[str]:
    """The lower-cased words of ``text`` (as the tokenizer cuts them)."""
    # The tokenizer's own pattern, without its per-token objects (long tickets).
    return [word.lower() for word in _TOKEN.findall(text)]


_TOKEN = re.compile(TOKEN_PATTERN, re.UNICODE)


def all_languages() -> tuple[str, ...]:
    return tuple(lang for lang in SUPPORTED_LOCALES if lang in SNOWBALL_ALGORITHMS)
