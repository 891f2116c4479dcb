"""Whoosh used as its documentation shows: the peer closest to the portal's own stack.

What a team would write from the Whoosh docs ("Stemming, variations and
accent folding" and "Parsing user queries"): per language a ``title`` and a
``body`` ``TEXT`` field analysed with the stock ``LanguageAnalyzer(lang)``
(Whoosh's own Snowball stemmer and stop list; Whoosh has **no Polish** stemmer
or stop list, so Polish falls back to ``StandardAnalyzer``), the title with
``field_boost=TITLE_BOOST``; queries through ``MultifieldParser`` on those
fields with ``OrGroup`` (the docs' recipe for natural-language queries), the
words quoted so that customer punctuation cannot become syntax, the word
being typed also as ``word*`` (Whoosh's prefix query, unstemmed), ranked by
Whoosh's default ``BM25F``; ``locale`` as a filter.
"""
from __future__ import annotations

import tempfile

from whoosh import index
from whoosh.analysis import LanguageAnalyzer, StandardAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.lang import has_stemmer
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.query import Term

from peers import TITLE_BOOST, words_of

LOCALES = ("en", "nl", "de", "sv", "pl")


def analyzer_for(lang: str):
    return LanguageAnalyzer(lang) if has_stemmer(lang) else StandardAnalyzer()


class WhooshStockEngine:
    name = "whoosh"

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="bench-whoosh-")
        fields = {"slug": ID(stored=True), "locale": ID(stored=True)}
        for lang in LOCALES:
            fields[f"title_{lang}"] = TEXT(analyzer=analyzer_for(lang), field_boost=TITLE_BOOST)
            fields[f"body_{lang}"] = TEXT(analyzer=analyzer_for(lang))
        self.schema = Schema(**fields)
        self.index = index.create_in(self._dir.name, self.schema)
        self.searcher = None
        self._parsers = {}

    def build(self, docs) -> None:
        writer = self.index.writer(limitmb=256)
        for doc in docs:
            lang = doc.locale if doc.locale in LOCALES else "en"
            writer.add_document(slug=doc.slug, locale=doc.locale,
                                **{f"title_{lang}": doc.title, f"body_{lang}": doc.text})
        writer.commit(optimize=True)
        self.searcher = self.index.searcher()

    def _parser(self, locale: str | None) -> MultifieldParser:
        if locale not in self._parsers:
            langs = (locale,) if locale else LOCALES
            names = [f"{kind}_{lang}" for lang in langs for kind in ("title", "body")]
            self._parsers[locale] = MultifieldParser(names, self.schema, group=OrGroup)
        return self._parsers[locale]

    def query(self, text: str, locale: str | None, limit: int = 5) -> list[str]:
        words, prefix = words_of(text)
        if not words:
            return []
        parts = [f'"{w}"' for w in words]
        if prefix and len(prefix) >= 2:
            parts.append(f"{prefix}*")
        query = self._parser(locale).parse(" ".join(parts))
        hits = self.searcher.search(query, limit=limit, filter=Term("locale", locale) if locale else None)
        return [hit["slug"] for hit in hits]

    def close(self) -> None:
        if self.searcher is not None:
            self.searcher.close()
            self.searcher = None
        self.index.close()
        self._dir.cleanup()
