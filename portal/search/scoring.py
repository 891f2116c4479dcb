"""BM25F with statistics per language.

Whoosh computes a term's IDF and a field's average length over *all*
documents of the index. With per-language fields (see ``schema.py``) that
would divide the English field's total length by the number of documents in
every language, and inflate every IDF by the size of the other languages:
ranking in a small language would depend on how many articles the others
have. This model uses the number of documents *in the field's language*, so
each language is ranked as if it had an index of its own.
"""
from __future__ import annotations

from math import log

from whoosh.scoring import BM25F, BM25FScorer, WeightScorer

from portal.search.analysis import all_languages
from portal.search.schema import LOCALE

#: Tuned on the tune halves of every dev set together (bench/README.md, ranking
#: log): long multi-answer articles (StackFAQ) want a high K1, short answers
#: (covid-de) a low one; 2.0 with the separate title field is the best mean.
DEFAULT_B = 0.75
DEFAULT_K1 = 2.0


def language_of_field(fieldname: str) -> str | None:
    _, _, suffix = fieldname.rpartition("_")
    return suffix if suffix in all_languages() else None


class LanguageBM25FScorer(BM25FScorer):
    def __init__(self, searcher, fieldname, text, B, K1, qf=1):
        parent = searcher.get_parent()  # statistics of the whole index, not one segment
        lang = language_of_field(fieldname)
        documents = (parent.doc_frequency(LOCALE, lang) if lang else 0) or parent.doc_count_all() or 1
        # Whoosh's own IDF formula, with the language's document count.
        self.idf = log(documents / (parent.doc_frequency(fieldname, text) + 1)) + 1
        self.avgfl = (parent.field_length(fieldname) / documents) or 1
        self.B = B
        self.K1 = K1
        self.qf = qf
        self.setup(searcher, fieldname, text)


class LanguageBM25F(BM25F):
    """:class:`whoosh.scoring.BM25F` with per-language document counts."""

    def __init__(self, B: float = DEFAULT_B, K1: float = DEFAULT_K1, **kwargs):
        super().__init__(B=B, K1=K1, **kwargs)

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        B = self._field_B.get(fieldname, self.B)
        return LanguageBM25FScorer(searcher, fieldname, text, B, self.K1, qf=qf)
