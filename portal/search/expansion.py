"""Query words the index does not know, matched the way a person would read them.

Both expansions look words up in the index's own vocabulary (``words_<lang>``:
the unstemmed words of the published articles), so they always lead to
articles that exist, adapt to every help center's own terms and products, and
need no data files:

* **Typos** (:func:`corrections`): a word the index does not know is replaced
  by the indexed words within an edit distance that grows with its length
  (1 from 4 letters, 2 from 8; shorter words are too ambiguous), the most
  frequent first.
* **Compounds** (:func:`split_compound`, German, Dutch and Swedish): a word
  such as "inkubationszeit" or "verzendlabel" is split into known parts
  ("inkubation" + "zeit", "verzend" + "label"), allowing the languages'
  linking letters ("-s-", "-en-", ...), with the frequency rule of Koehn &
  Knight (2003): a split is taken when the geometric mean of its parts'
  document frequencies beats the whole word's. No library keeps a maintained
  splitter for all three languages (``charsplit`` and ``compound-split`` are
  German-only and ship a fixed lexicon), and the index's vocabulary is
  exactly the set of words that can match.
"""
from __future__ import annotations

from math import sqrt

from portal.search.analysis import stop_words

#: Languages that write compounds as one word.
COMPOUNDING_LANGUAGES = frozenset({"de", "nl", "sv"})
#: Letters that may join the parts of a compound, per language ("Inkubation-s-zeit").
LINKING_LETTERS = {
    "de": ("", "s", "es", "n", "en", "e", "er"),
    "nl": ("", "s", "e", "en"),
    "sv": ("", "s", "a", "e", "o", "u"),
}
#: Shortest part of a compound, and shortest word worth splitting.
MIN_PART_CHARS = 4
MIN_COMPOUND_CHARS = 8
#: How many corrections of one unknown word are added to the query.
MAX_CORRECTIONS = 2


def max_edit_distance(word: str) -> int:
    """0 below 4 letters, 1 below 8, else 2."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


def is_known(reader, field: str, word: str) -> bool:
    return reader.doc_frequency(field, word) > 0


def corrections(searcher, field: str, word: str) -> list[str]:
    """Indexed words close to ``word`` (an unknown word), best first; [] if none."""
    distance = max_edit_distance(word)
    if not distance or word.isdigit():
        return []
    # prefix=1: customers rarely get the first letter wrong, and it keeps the
    # walk over the vocabulary short.
    found = searcher.corrector(field).suggest(word, limit=MAX_CORRECTIONS, maxdist=distance, prefix=1)
    return [w for w in found if w != word]


def _part_frequency(reader, field: str, part: str, stops: frozenset[str]) -> int:
    if len(part) < MIN_PART_CHARS or part in stops:
        return 0
    return reader.doc_frequency(field, part)


def split_compound(reader, field: str, word: str, lang: str) -> list[str]:
    """The known parts of a compound ``word`` (2 or 3), or [] when it is not one.

    ``reader`` answers ``doc_frequency(field, word)`` for the vocabulary field.
    """
    if lang not in COMPOUNDING_LANGUAGES or len(word) < MIN_COMPOUND_CHARS or not word.isalpha():
        return []
    stops = stop_words(lang)
    best: tuple[float, list[str]] = (float(reader.doc_frequency(field, word)), [])
    for parts, frequencies in _splits(reader, field, word, lang, stops, depth=2):
        score = _geometric_mean(frequencies)
        if score > best[0]:
            best = (score, parts)
    return best[1]


def _splits(reader, field, word, lang, stops, depth):
    """Every way to cut ``word`` into known parts (at most ``depth`` + 1 of them)."""
    links = LINKING_LETTERS[lang]
    for cut in range(MIN_PART_CHARS, len(word) - MIN_PART_CHARS + 1):
        head = word[:cut]
        head_df = _part_frequency(reader, field, head, stops)
        if not head_df:
            continue
        for link in links:
            if not word.startswith(link, cut):
                continue
            rest = word[cut + len(link):]
            rest_df = _part_frequency(reader, field, rest, stops)
            if rest_df:
                yield [head, rest], [head_df, rest_df]
            if depth > 1 and len(rest) >= MIN_COMPOUND_CHARS:
                for parts, frequencies in _splits(reader, field, rest, lang, stops, depth - 1):
                    yield [head, *parts], [head_df, *frequencies]


def _geometric_mean(values) -> float:
    product = 1.0
    for value in values:
        product *= value
    return product ** (1.0 / len(values)) if values else 0.0


def split_typed_compound(reader, words_field: str, partial: str, lang: str):
    """``(known word, prefix)`` for a half-typed compound whose beginning no article has.

    "verzendlab" -> ("verzend", "lab") when articles say "verzend label" but
    none "verzendlabel": the known first part and the beginning of the next.
    """
    if lang not in COMPOUNDING_LANGUAGES or len(partial) < MIN_PART_CHARS + 2 or not partial.isalpha():
        return None
    stops = stop_words(lang)
    best = None
    for cut in range(MIN_PART_CHARS, len(partial) - 2):
        head = partial[:cut]
        head_df = _part_frequency(reader, words_field, head, stops)
        if not head_df:
            continue
        for link in LINKING_LETTERS[lang]:
            if not partial.startswith(link, cut) or len(partial) - cut - len(link) < 3:
                continue
            rest = partial[cut + len(link):]
            rest_df = _prefix_frequency(reader, words_field, rest)
            if rest_df:
                score = sqrt(head_df * rest_df) * len(head)  # prefer the longest known head
                if best is None or score > best[0]:
                    best = (score, head, rest)
    return (best[1], best[2]) if best else None



def _prefix_frequency(reader, field: str, prefix: str, scan: int = 50) -> int:
    """How many articles have a word beginning with ``prefix`` (summed over the first ``scan`` words)."""
    total = 0
    for count, (_text, terminfo) in enumerate(reader.iter_prefix(field, prefix)):
        if count >= scan:
            break
        total += terminfo.doc_frequency()
    return total
