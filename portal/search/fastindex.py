"""Indexing fast: analysis per distinct word, postings in memory, one pass to disk.

Whoosh analyzes a field value token by token through a chain of generators
(a Python call per token and filter), sends each term's posting through an
external merge sort, then writes the segment term by term (see ``codec.py``).
:class:`FastWriter` is Whoosh's ``SegmentWriter`` with those three parts
replaced, producing the same index:

* **analysis**: our analyzers (``analysis.py``) are a :class:`SectionTokenizer`
  followed by filters that each map one word to its own terms (lower case,
  stop words, stemming, accent folding, edge n-grams), plus the pair filter,
  which joins neighbours. A :class:`FieldPlan` therefore runs the real filter
  chain once per *distinct word* (remembered), counts the words of a value
  per section with ``collections.Counter`` and adds up frequencies and
  weights per term; n-grams are cut from each distinct folded word, pairs from
  the word sequence. Same terms, frequencies, weights and field lengths as
  ``field.index()`` (``tests/test_search_fastindex.py`` compares them on real
  articles). Values or analyzers a plan does not understand go through
  Whoosh's own ``field.index()``;
* **pooling**: postings are appended to per-term lists in memory
  (:class:`MemoryPool`) instead of pickled runs sorted on disk;
* **writing**: ``codec.write_postings``.

Used for every writer of the article index: full rebuilds, bulk imports and
single saves (a save's few thousand terms are written in milliseconds).
"""
from __future__ import annotations

import re
from collections import Counter

from whoosh.analysis import CharsetFilter, CompositeAnalyzer, LowercaseFilter, NgramFilter, StopFilter
from whoosh.analysis.acore import Token
from whoosh.formats import Frequency
from whoosh.system import pack_uint
from whoosh.writing import SegmentWriter

from portal.search.analysis import SECTION_MARK, PairFilter, SectionTokenizer, SnowballFilter
from portal.search.codec import PortalCodec, write_postings

#: Words remembered per analyzer before the memo starts afresh (bounded memory).
MEMO_SIZE = 200_000
#: Filters that map each token on its own (no neighbours, no state between tokens).
WORD_FILTERS = (LowercaseFilter, StopFilter, SnowballFilter, CharsetFilter)
#: Section weights a plan handles: multiples of 1/1024, whose sums are exact in
#: any order (Whoosh adds weights token by token; we multiply by counts).
_WEIGHT_GRAIN = 1024

_PACKED = [pack_uint(n) for n in range(256)]


def packed_frequency(freq: int) -> bytes:
    return _PACKED[freq] if freq < 256 else pack_uint(freq)


def _exact(weight: float) -> bool:
    scaled = weight * _WEIGHT_GRAIN
    return scaled == int(scaled) and abs(weight) < 2 ** 30


class FieldPlan:
    """How to compute ``field.index(value)`` of one analyzer per distinct word.

    ``mode`` is ``"terms"`` (word filters only), ``"ngrams"`` (word filters,
    then edge n-grams from the start) or ``"pairs"`` (word filters, then
    :class:`PairFilter`). :meth:`index` returns ``(length, {term: [freq, weight]})``
    or None when the value needs Whoosh's own path.
    """

    def __init__(self, tokenizer: SectionTokenizer, filters: list, mode: str, ngram: NgramFilter | None = None):
        self.pattern = re.compile(tokenizer.expression, re.UNICODE)
        self.filters = filters
        self.mode = mode
        self.ngram_min = ngram.min if ngram else 0
        self.ngram_max = ngram.max if ngram else 0
        self._memo: dict[str, tuple] = {}

    # -- one word ------------------------------------------------------------

    def word_terms(self, word: str) -> tuple:
        """The texts the word filters make of one word; for pairs, only those
        the pair filter joins (not stopped, not variants)."""
        found = self._memo.get(word)
        if found is None:
            token = Token(positions=False, chars=False, removestops=True, mode="index", boosts=True)
            token.text = word
            token.boost = 1.0
            token.stopped = False
            stream = iter((token,))
            for item in self.filters:
                stream = item(stream)
            if self.mode == "pairs":
                found = tuple(t.text for t in stream if not t.stopped and not getattr(t, "variant", False))
            else:
                found = tuple(t.text for t in stream)
            if len(self._memo) >= MEMO_SIZE:
                self._memo = {}
            self._memo[word] = found
        return found

    # -- one value -----------------------------------------------------------

    def sections(self, value: str) -> list[tuple[float, list[str]]] | None:
        """``(weight, words)`` per section, as :class:`SectionTokenizer` cuts them."""
        findall = self.pattern.findall
        if SECTION_MARK not in value:
            return [(1.0, findall(value))]
        parts = value.split(SECTION_MARK)
        found = []
        for index in range(1, len(parts) - 1, 2):
            weight = float(parts[index])
            if not _exact(weight):
                return None
            found.append((weight, findall(parts[index + 1])))
        return found

    def index(self, value: str, sections=None) -> tuple[int, dict[str, list]] | None:
        if sections is None:
            sections = self.sections(value)
            if sections is None:
                return None
        if self.mode == "pairs":
            return self._pairs(sections)
        counts: dict[str, list] = {}
        for weight, words in sections:
            for word, n in Counter(words).items():
                entry = counts.get(word)
                if entry is None:
                    counts[word] = [n, n * weight]
                else:
                    entry[0] += n
                    entry[1] += n * weight
        terms: dict[str, list] = {}
        length = 0
        word_terms = self.word_terms
        if self.mode == "ngrams":
            folded: dict[str, list] = {}
            for word, (n, weight) in counts.items():
                for text in word_terms(word):
                    entry = folded.get(text)
                    if entry is None:
                        folded[text] = [n, weight]
                    else:
                        entry[0] += n
                        entry[1] += weight
            low, high = self.ngram_min, self.ngram_max
            for text, (n, weight) in folded.items():
                for size in range(low, min(high, len(text)) + 1):
                    gram = text[:size]
                    length += n
                    entry = terms.get(gram)
                    if entry is None:
                        terms[gram] = [n, weight]
                    else:
                        entry[0] += n
                        entry[1] += weight
            return length, terms
        for word, (n, weight) in counts.items():
            for text in word_terms(word):
                length += n
                entry = terms.get(text)
                if entry is None:
                    terms[text] = [n, weight]
                else:
                    entry[0] += n
                    entry[1] += weight
        return length, terms

    def _pairs(self, sections) -> tuple[int, dict[str, list]]:
        word_terms = self.word_terms
        terms: dict[str, list] = {}
        length = 0
        previous = None
        previous_weight = 1.0
        for weight, words in sections:
            stems = [text for word in words for text in word_terms(word)]
            if not stems:
                continue
            pairs = Counter(map(" ".join, zip(stems, stems[1:])))
            if previous is not None:  # the pair across the section boundary
                pair = f"{previous} {stems[0]}"
                edge = min(weight, previous_weight)
                length += 1
                entry = terms.get(pair)
                if entry is None:
                    terms[pair] = [1, edge]
                else:
                    entry[0] += 1
                    entry[1] += edge
            for pair, n in pairs.items():
                length += n
                entry = terms.get(pair)
                if entry is None:
                    terms[pair] = [n, n * weight]
                else:
                    entry[0] += n
                    entry[1] += n * weight
            previous, previous_weight = stems[-1], weight
        return length, terms


_plans: dict[int, tuple] = {}


def plan_for(field) -> FieldPlan | None:
    """The :class:`FieldPlan` of a field's analyzer, or None (Whoosh's own path)."""
    analyzer = getattr(field, "analyzer", None)
    if analyzer is None or not isinstance(field.format, Frequency) or field.format.field_boost != 1.0:
        return None
    if field.vector or field.separate_spelling():
        return None
    key = id(analyzer)
    known = _plans.get(key)
    if known is not None and known[0] is analyzer:
        return known[1]
    plan = _make_plan(analyzer)
    _plans[key] = (analyzer, plan)  # the analyzer is kept alive, so its id stays its own
    return plan


def _make_plan(analyzer) -> FieldPlan | None:
    if not isinstance(analyzer, CompositeAnalyzer):
        return None
    items = list(analyzer.items)
    tokenizer, filters = items[0], items[1:]
    if type(tokenizer) is not SectionTokenizer:
        return None
    mode, ngram = "terms", None
    if filters and type(filters[-1]) is PairFilter:
        mode, filters = "pairs", filters[:-1]
    elif filters and type(filters[-1]) is NgramFilter and filters[-1].at == -1:
        mode, ngram, filters = "ngrams", filters[-1], filters[:-1]
    if not all(type(item) in WORD_FILTERS for item in filters):
        return None
    plan = FieldPlan(tokenizer, filters, mode, ngram)
    if plan.pattern.groups:  # findall would return groups, not whole tokens
        return None
    return plan


class MemoryPool:
    """Postings in memory, per field and term: ``[docnums], [weights], [values]``.

    Terms of fields analyzed by a plan are kept as text and encoded when
    written (UTF-8 byte order is code point order, so sorting either way
    agrees); others as the bytes Whoosh gives.
    """

    def __init__(self):
        self.fields: dict[str, dict] = {}
        self.postings = 0
        #: (field, term) whose postings came out of docnum order (only merges can do that).
        self.unsorted: set = set()

    def add_terms(self, fieldname: str, docnum: int, terms: dict[str, list]) -> None:
        field = self.fields.get(fieldname)
        if field is None:
            field = self.fields[fieldname] = {}
        get = field.get
        for text, (freq, weight) in terms.items():
            entry = get(text)
            if entry is None:
                field[text] = ([docnum], [weight], [_PACKED[freq] if freq < 256 else pack_uint(freq)])
            else:
                entry[0].append(docnum)
                entry[1].append(weight)
                entry[2].append(_PACKED[freq] if freq < 256 else pack_uint(freq))
        self.postings += len(terms)

    def add(self, item) -> None:
        """One ``(fieldname, term bytes, docnum, weight, value bytes)`` posting (Whoosh's pool API)."""
        fieldname, btext, docnum, weight, vbytes = item
        field = self.fields.get(fieldname)
        if field is None:
            field = self.fields[fieldname] = {}
        entry = field.get(btext)
        if entry is None:
            field[btext] = ([docnum], [weight], [vbytes or b""])
        else:
            if entry[0][-1] > docnum:
                self.unsorted.add((fieldname, btext))
            entry[0].append(docnum)
            entry[1].append(weight)
            entry[2].append(vbytes or b"")
        self.postings += 1

    def sorted_fields(self):
        """``(fieldname, iterator of (term bytes, ids, weights, values))`` in Whoosh's order."""
        for fieldname in sorted(self.fields):
            field = self.fields[fieldname]
            yield fieldname, self._sorted_terms(fieldname, field)

    def _sorted_terms(self, fieldname: str, field: dict):
        encoded = {}
        unsorted = {key for name, key in self.unsorted if name == fieldname}
        for term, lists in field.items():
            key = term.encode("utf-8") if isinstance(term, str) else term
            if key in encoded:  # the same term added as text and as bytes (a merge)
                merged = encoded[key]
                lists = tuple(a + b for a, b in zip(merged, lists))
                unsorted.add(key)
            encoded[key] = lists
        for key in sorted(encoded):
            ids, weights, values = encoded[key]
            if key in unsorted and any(b < a for a, b in zip(ids, ids[1:])):  # sort by docnum
                order = sorted(range(len(ids)), key=ids.__getitem__)
                ids = [ids[i] for i in order]
                weights = [weights[i] for i in order]
                values = [values[i] for i in order]
            yield key, ids, weights, values

    def iter_postings(self):
        for fieldname, terms in self.sorted_fields():
            for btext, ids, weights, values in terms:
                for docnum, weight, value in zip(ids, weights, values):
                    yield fieldname, btext, docnum, weight, value

    def cleanup(self) -> None:
        self.fields = {}
        self.unsorted = set()


class FastWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter`` with plan-based analysis, a :class:`MemoryPool`
    and ``codec.write_postings`` (see the module docstring)."""

    def __init__(self, ix, **kwargs):
        kwargs.setdefault("codec", PortalCodec())
        super().__init__(ix, **kwargs)
        if any(field.vector or field.separate_spelling() for _name, field in self.schema.items()):
            raise NotImplementedError("term vectors and spelling fields: use Whoosh's SegmentWriter")
        self.pool = MemoryPool()
        self._plans = {name: plan_for(field) for name, field in self.schema.items() if field.indexed}

    def add_document(self, **fields):
        """As ``SegmentWriter.add_document``; every field is analyzed before
        anything is added, so a document that fails leaves nothing behind."""
        self._check_state()
        schema = self.schema
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        analyzed = []
        sections_of: dict[str, object] = {}
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            length, terms, items = 0, None, None
            if field.indexed:
                fieldboost = self._field_boost(fields, fieldname, docboost)
                plan = self._plans.get(fieldname)
                result = None
                if plan is not None and fieldboost == 1.0 and isinstance(value, str):
                    key = (plan.pattern.pattern, value)
                    sections = sections_of.get(key)
                    if sections is None:
                        sections = sections_of[key] = plan.sections(value) or ()
                    result = plan.index(value, sections) if sections != () else None
                if result is not None:
                    length, terms = result
                    if not field.scorable:
                        length = 0
                else:
                    items = []
                    for tbytes, freq, weight, vbytes in field.index(value):
                        if field.scorable:
                            length += freq
                        items.append((tbytes, weight * fieldboost, vbytes))
            analyzed.append((fieldname, field, value, length, terms, items))
        self._add_analyzed(fields, analyzed)

    def _add_analyzed(self, fields, analyzed) -> None:
        docnum = self.docnum
        pool = self.pool
        perdocwriter = self.perdocwriter
        perdocwriter.start_doc(docnum)
        try:
            for fieldname, field, value, length, terms, items in analyzed:
                if terms is not None:
                    pool.add_terms(fieldname, docnum, terms)
                elif items is not None:
                    for tbytes, weight, vbytes in items:
                        pool.add((fieldname, tbytes, docnum, weight, vbytes))
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        self.perdocwriter.close()
        lengths = getattr(self.perdocwriter, "lengths", None)
        if lengths is None:  # another codec's per-document writer: read them back
            raise RuntimeError("FastWriter needs PortalCodec")
        write_postings(self.fieldwriter, self.schema, self.pool, lengths)
        self.fieldwriter.close()

