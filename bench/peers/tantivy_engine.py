"""tantivy (Rust, through its Python bindings): the practical limit.

One in-memory index; per language a title and a body field analysed with
tantivy's Snowball stemmer for that language (``en``, ``nl``, ``de``, ``sv``;
tantivy has **no Polish stemmer**, so Polish is only lower-cased). For the word
being typed, two more fields:

* ``edges_<lang>``: the edge n-grams (2-16 characters) of the title's words,
  made in Python (tantivy's own n-gram tokenizer cuts the whole text, not
  words) - BM25-scored, boosted like the title, as an integrator who cares
  about as-you-type would do;
* ``prefix``: title and body unstemmed, searched with a prefix query
  (``fuzzy_term_query(prefix=True, distance=0)``), which tantivy scores with a
  constant 1.0 - so a word typed into the body's vocabulary still matches.

Query: the words through ``parse_query`` on the language's fields
(disjunction, title boosted by ``TITLE_BOOST``; with no locale, on every
language's fields), OR the two prefix queries on the last word while it is
typed, AND the locale when given. Writer: 2 threads (the machine's cores).
"""
from __future__ import annotations

import re

import tantivy
from tantivy import Filter, Occur, Query, TextAnalyzerBuilder, Tokenizer

from peers import TITLE_BOOST, words_of

EDGE_MIN, EDGE_MAX = 2, 16
_WORD = re.compile(r"\w+")


def edge_ngrams(text: str) -> str:
    """``"Delete folders"`` -> ``"de del dele delet delete fo fol ..."``."""
    grams = []
    for word in _WORD.findall(text.lower()):
        grams.extend(word[:n] for n in range(EDGE_MIN, min(len(word), EDGE_MAX) + 1))
    return " ".join(grams)


#: tantivy stemmer language per locale (None: lower-case only).
STEMMERS = {"en": "english", "nl": "dutch", "de": "german", "sv": "swedish", "pl": None}


class TantivyEngine:
    name = "tantivy"

    def __init__(self) -> None:
        self.index = None
        self.locales: list[str] = []

    def _schema(self, locales):
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("key", stored=True, tokenizer_name="raw")
        builder.add_text_field("slug", stored=True, tokenizer_name="raw")
        builder.add_text_field("locale", tokenizer_name="raw")
        for locale in locales:
            builder.add_text_field(f"title_{locale}", tokenizer_name=f"lang_{locale}")
            builder.add_text_field(f"body_{locale}", tokenizer_name=f"lang_{locale}")
        builder.add_text_field("prefix", tokenizer_name="default", index_option="basic")
        for locale in locales:  # per language, so that BM25's statistics are per language too
            builder.add_text_field(f"edges_{locale}", tokenizer_name="whitespace", index_option="freq")
        return builder.build()

    def build(self, docs) -> None:
        self.locales = sorted({d.locale for d in docs})
        self.schema = self._schema(self.locales)
        self.index = tantivy.Index(self.schema)
        for locale in self.locales:
            analyzer = TextAnalyzerBuilder(Tokenizer.simple()).filter(Filter.remove_long(40)).filter(Filter.lowercase())
            if STEMMERS.get(locale):
                analyzer = analyzer.filter(Filter.stemmer(STEMMERS[locale]))
            self.index.register_tokenizer(f"lang_{locale}", analyzer.build())
        writer = self.index.writer(heap_size=200_000_000, num_threads=2)
        for doc in docs:
            writer.add_document(self._document(doc))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    @staticmethod
    def _document(doc):
        return tantivy.Document(**{
            "key": doc.key, "slug": doc.slug, "locale": doc.locale,
            f"title_{doc.locale}": doc.title, f"body_{doc.locale}": doc.text,
            "prefix": f"{doc.title}\n{doc.text}",
            f"edges_{doc.locale}": edge_ngrams(doc.title),
        })

    def update(self, doc) -> None:
        writer = self.index.writer(heap_size=50_000_000, num_threads=1)
        writer.delete_documents("key", doc.key)
        writer.add_document(self._document(doc))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def query(self, text: str, locale: str | None, limit: int = 5) -> list[str]:
        words, prefix = words_of(text)
        if not words:
            return []
        locales = [locale] if locale else self.locales
        if locale and locale not in self.locales:
            return []
        fields = [f"{kind}_{loc}" for loc in locales for kind in ("title", "body")]
        boosts = {f"title_{loc}": TITLE_BOOST for loc in locales}
        text_query = self.index.parse_query(" ".join(words), fields, field_boosts=boosts)
        if prefix:
            prefix_query = Query.fuzzy_term_query(self.schema, "prefix", prefix, distance=0, prefix=True)
            edges = [(Occur.Should, Query.boost_query(
                Query.term_query(self.schema, f"edges_{loc}", prefix[:EDGE_MAX]), TITLE_BOOST)) for loc in locales]
            text_query = Query.boolean_query([(Occur.Should, text_query), (Occur.Should, prefix_query), *edges])
        if locale:
            text_query = Query.boolean_query([
                (Occur.Must, text_query),
                (Occur.Must, Query.term_query(self.schema, "locale", locale)),
            ])
        hits = self.searcher.search(text_query, limit).hits
        return [self.searcher.doc(address)["slug"][0] for _score, address in hits]

    def close(self) -> None:
        self.index = None
        self.searcher = None
