"""The terms of long text, fast: what suggest and learning read from a ticket.

A description of 5,000 characters has some 800 words, mostly repeated ones;
it is analyzed again on every keystroke. Words are analyzed one at a time
through a cache (a word always has the same stems in a language), so each
request costs one dictionary lookup per word; document frequencies are
remembered per index reader (a new reader, after any index change, starts
afresh), so the next keystroke looks up only the stems that are new.
"""
from __future__ import annotations

import threading
import weakref
from functools import lru_cache

from portal.search.analysis import analyze, words

_WORD_CACHE_SIZE = 100_000
#: Frequencies remembered per reader; beyond this the reader's memo starts afresh.
_MAX_REMEMBERED = 200_000

_memo_lock = threading.Lock()
_memos: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


@lru_cache(maxsize=_WORD_CACHE_SIZE)
def word_stems(word: str, lang: str) -> tuple[str, ...]:
    """The index terms one (lower-cased) word stands for in ``lang`` (empty for a stop word)."""
    return tuple(analyze(word, lang))


def distinct_words(text: str) -> list[str]:
    """The distinct lower-cased words of ``text``, in the order they first occur."""
    return list(dict.fromkeys(words(text or "")))


def distinct_stems(text: str, lang: str) -> list[str]:
    """The distinct index terms of ``text`` in ``lang``, in order (as ``analyze``)."""
    found: dict[str, None] = {}
    for word in distinct_words(text):
        for stem in word_stems(word, lang):
            found.setdefault(stem, None)
    return list(found)


def doc_frequency(reader, field: str, stem: str) -> int:
    """``reader.doc_frequency(field, stem)``, remembered for this reader."""
    with _memo_lock:
        memo = _memos.get(reader)
        if memo is None or len(memo) > _MAX_REMEMBERED:
            memo = _memos[reader] = {}
    key = (field, stem)
    found = memo.get(key)
    if found is None:
        found = memo[key] = reader.doc_frequency(field, stem)
    return found


def frequencies(reader, field: str, stems) -> dict[str, int]:
    """Document frequency of each stem in ``field`` (stems not in the index left out)."""
    found = {}
    for stem in stems:
        if stem not in found:
            df = doc_frequency(reader, field, stem)
            if df:
                found[stem] = df
    return found
