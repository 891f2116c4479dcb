"""lunr.py: what MkDocs-style help sites use (one prebuilt index per language).

As ``mkdocs`` builds it: one index per language, with lunr's own pipeline
(trimmer, stop-word filter, stemmer) for English. ``lunr.languages`` adds the
other languages through NLTK's Snowball stemmers and NLTK stop-word lists, which
have to be downloaded at run time (not possible offline); we register the same
Snowball algorithms from the ``snowballstemmer`` package as lunr pipeline
functions instead, so Dutch, German and Swedish are stemmed exactly as
``lunr.languages`` would stem them, but without its stop-word lists.
What it lacks: **Polish** (``lunr.languages`` has no Polish: tokens are only
trimmed and lower-cased), incremental updates (the index is immutable: one
changed article means rebuilding that language's index), and prefix matching
only against *stemmed* index terms (``delet*`` matches, ``deleti*`` does not).

Query: every word an optional term through the search pipeline (stemmed); the
last word, while typed, also as a trailing-wildcard term (lunr skips the
pipeline for wildcards). ``locale=None`` searches every language's index and
merges by score (scores of separate indexes are comparable only roughly).
"""
from __future__ import annotations

import snowballstemmer
from lunr.builder import Builder
from lunr.pipeline import Pipeline
from lunr.query import Query
from lunr.stemmer import stemmer as english_stemmer
from lunr.stop_word_filter import stop_word_filter
from lunr.trimmer import trimmer

from peers import TITLE_BOOST, words_of

#: Languages lunr.languages supports among ours (by their Snowball name).
LUNR_LANGUAGES = {"nl": "dutch", "de": "german", "sv": "swedish"}


def _snowball_stemmer(locale: str):
    name = f"stemmer-bench-{locale}"
    if name not in Pipeline.registered_functions:
        algorithm = snowballstemmer.stemmer(LUNR_LANGUAGES[locale])

        def stem(token, i=None, tokens=None):
            return token.update(lambda text, metadata=None: algorithm.stemWord(text))

        Pipeline.register_function(stem, name)
    return Pipeline.registered_functions[name]


def make_builder(locale: str) -> Builder:
    builder = Builder()
    if locale == "en":
        builder.pipeline.add(trimmer, stop_word_filter, english_stemmer)
        builder.search_pipeline.add(english_stemmer)
    elif locale in LUNR_LANGUAGES:
        stem = _snowball_stemmer(locale)
        builder.pipeline.add(trimmer, stem)
        builder.search_pipeline.add(stem)
    else:  # Polish and anything else lunr.languages lacks
        builder.pipeline.add(trimmer)
    builder.ref("id")
    builder.field("title", boost=TITLE_BOOST)
    builder.field("body")
    return builder


class LunrEngine:
    name = "lunr"

    def __init__(self) -> None:
        self.indexes: dict = {}
        self.docs: dict[str, list] = {}

    def _build_locale(self, locale: str) -> None:
        builder = make_builder(locale)
        for doc in self.docs[locale]:
            builder.add({"id": doc.slug, "title": doc.title, "body": doc.text})
        self.indexes[locale] = builder.build()

    def build(self, docs) -> None:
        for doc in docs:
            self.docs.setdefault(doc.locale, []).append(doc)
        for locale in self.docs:
            self._build_locale(locale)

    def update(self, doc) -> None:
        """lunr indexes are immutable: rebuild the article's language."""
        self.docs[doc.locale] = [d for d in self.docs[doc.locale] if d.slug != doc.slug] + [doc]
        self._build_locale(doc.locale)

    def query(self, text: str, locale: str | None, limit: int = 5) -> list[str]:
        words, prefix = words_of(text)
        if not words:
            return []

        def fill(q):
            for word in words:
                q.term(word)
            if prefix:
                q.term(prefix, wildcard=Query.WILDCARD_TRAILING, use_pipeline=False)

        indexes = [self.indexes.get(locale)] if locale else list(self.indexes.values())
        hits = []
        for index in indexes:
            if index is not None:
                query = index.create_query()
                fill(query)
                hits.extend(index.query(query))
        hits.sort(key=lambda hit: -hit["score"])
        return [hit["ref"] for hit in hits[:limit]]

    def close(self) -> None:
        self.indexes.clear()
        self.docs.clear()
