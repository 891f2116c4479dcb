"""Search analysis under threads: gthread workers stem concurrently (issue 10, finding 2)."""
from __future__ import annotations

import string
import sys
import threading

import pytest
import snowballstemmer

from portal.search.analysis import SNOWBALL_ALGORITHMS, analyze, cached_stemmer

THREADS = 8
WORDS_PER_THREAD = 3_000
BASES = ("verwaltung", "einstellungen", "postfächer", "löschen", "anmeldung", "freigegebenen",
         "berechtigungen", "weiterleitung", "kalendern", "verbindungen")


def _letters(number: int) -> str:
    out = ""
    while True:
        number, digit = divmod(number, 26)
        out += string.ascii_lowercase[digit]
        if not number:
            return out


def _distinct_words(thread: int) -> list[str]:
    """Words no other thread (and no earlier test) stems, so the memo cannot hide the race."""
    return [f"{_letters(thread * WORDS_PER_THREAD + i)}q{BASES[i % len(BASES)]}"
            for i in range(WORDS_PER_THREAD)]


@pytest.fixture
def fast_switching():
    """Switch threads often so that concurrent calls really interleave."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


@pytest.mark.parametrize("lang", ["de", "sv"])
def test_stems_computed_by_eight_threads_equal_single_threaded_stems(fast_switching, lang):
    reference = snowballstemmer.stemmer(SNOWBALL_ALGORITHMS[lang])
    word_lists = [_distinct_words(t) for t in range(THREADS)]
    expected = [[reference.stemWord(w) for w in words] for words in word_lists]
    stem = cached_stemmer(lang)
    results: list[list[str] | None] = [None] * THREADS
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(index: int) -> None:
        start.wait()
        try:
            results[index] = [stem(w) for w in word_lists[index]]
        except BaseException as exc:  # recorded and asserted below, never swallowed
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, f"stemming raised under threads: {errors[:3]!r}"
    wrong = sum(got != want for result, want_list in zip(results, expected)
                for got, want in zip(result, want_list))
    assert wrong == 0, f"{wrong} of {THREADS * WORDS_PER_THREAD} stems wrong under {THREADS} threads"
    # ... and what the memo kept afterwards is still each word's own stem
    assert [stem(w) for w in word_lists[0][:200]] == expected[0][:200]


def test_analysis_of_whole_texts_is_the_same_under_threads(fast_switching):
    texts = [f"Die {w} der freigegebenen Postfächer wird gelöscht" for w in _distinct_words(50)[:400]]
    expected = [analyze(t, "de") for t in texts]  # (stems now memoized: exercises the memo's reads)
    mismatches: list[int] = []
    start = threading.Barrier(THREADS)

    def work() -> None:
        start.wait()
        mismatches.extend(i for i, t in enumerate(texts) if analyze(t, "de") != expected[i])

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mismatches == []
