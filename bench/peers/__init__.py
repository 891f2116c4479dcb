"""The engines the portal is measured against, behind one small interface.

Every engine (the portal's adapter too) has ``name``, ``build(docs)``,
``query(text, locale, limit) -> [slug]`` and ``close()``. They all get the same
documents (:class:`corpus.Doc`: title and plain-text body, one locale each) and
the same query text, and treat it the same way an integrator would for a
search-as-you-type box (:func:`words_of`):

* the text is split into words (``\\w+``, lower-cased); no query syntax is
  passed through, so a ``?`` or ``:`` typed by a customer cannot break a query;
* words are OR-ed and ranked by the engine's BM25 (an AND of ten words from a
  natural question finds almost nothing);
* the title counts :data:`TITLE_BOOST` times the body;
* the last word, unless the text ends in a space or punctuation, is also
  matched as a *prefix* (the customer may still be typing it);
* ``locale`` filters to that language; ``None`` searches every language.

What each engine can and cannot do on top of that (stemming per language,
prefix scoring) is said in its module docstring.
"""
from __future__ import annotations

import re
from typing import Protocol, Sequence

#: Weight of the title relative to the body, the same in every peer.
TITLE_BOOST = 5.0

_WORD = re.compile(r"\w+")


class Engine(Protocol):
    name: str

    def build(self, docs: Sequence) -> None: ...

    def query(self, text: str, locale: str | None, limit: int = 5) -> list[str]: ...

    def close(self) -> None: ...


def words_of(text: str) -> tuple[list[str], str | None]:
    """``(words, prefix)``: all words lower-cased, and the last one again when
    the customer may still be typing it (text ends inside a word)."""
    words = _WORD.findall(text.lower())
    if not words:
        return [], None
    still_typing = bool(text) and text[-1].isalnum()
    return words, (words[-1] if still_typing else None)


def peer_engines() -> dict[str, type]:
    """name -> engine class, in table order."""
    from peers.fts5 import Fts5Engine
    from peers.lunrpy import LunrEngine
    from peers.tantivy_engine import TantivyEngine
    from peers.whoosh_stock import WhooshStockEngine

    return {"fts5": Fts5Engine, "whoosh": WhooshStockEngine, "lunr": LunrEngine, "tantivy": TantivyEngine}
