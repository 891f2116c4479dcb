"""The benchmark corpus and query sets, shared by every bench script.

Articles: every ``*.md`` of ``../shared/data/alchemy/{nl,pl,sv,de}`` (Microsoft
365 help, about 11,000 articles) plus ``../shared/data/stackfaq/articles`` (125
English FAQ articles). Front matter is read with ``frontmatter``; the language
comes from ``locale`` or ``ms.contentlocale`` (``nl-NL`` -> ``nl``); the slug
from ``slug`` or the file name (the same file name in two languages is the same
article translated; slugs are normalized as the portal's import does). The body is reduced to plain text crudely but identically
for every peer (tags, link targets and markdown punctuation removed).

Queries:

* ``stackfaq``: the 625 real questions of ``queries-dev.jsonl`` with their gold
  slug (English);
* ``alchemy-xx``: for each alchemy language, titles of a deterministic sample of
  articles with one word dropped (gold: that article), so latency is measured
  in every language;
* each set also in a *half-typed* variant (:func:`half_typed`): the first half
  of the words, the last one cut mid-word, as a customer sees it while typing.

``--smoke`` sizes (:data:`SMOKE`) keep CI fast. When the shared data folder is
absent, :func:`load` raises :class:`DataMissing`; scripts print its message and
exit 0.
"""
from __future__ import annotations

import hashlib
import html
import json
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

import frontmatter

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: ``../shared/data`` relative to the project; ``BENCH_DATA_DIR`` points elsewhere.
DATA_DIR = Path(os.environ.get("BENCH_DATA_DIR") or PROJECT_ROOT.parent / "shared" / "data")
ALCHEMY_LOCALES = ("nl", "pl", "sv", "de")
#: Question/answer dev sets: folder name -> language (articles/*.md + queries-dev.jsonl).
DEV_SETS = {"stackfaq": "en", "swefaq": "sv", "covid-de": "de"}
SPLITS = ("tune", "held-out")

#: Smoke sizes: articles per alchemy language, stackfaq articles, queries per set.
SMOKE = {"alchemy_per_locale": 10, "stackfaq_articles": 15, "queries": 10}
#: Full sizes: title-derived queries per alchemy language (stackfaq: all 625).
FULL_TITLE_QUERIES = 250


class DataMissing(RuntimeError):
    """The shared data folder is not there (CI without data, a fresh clone)."""


@dataclass(frozen=True)
class Doc:
    """One article as every engine sees it."""

    slug: str
    locale: str
    title: str
    text: str  # plain text of the body
    path: Path  # the source file (the portal imports files)
    source: str = "alchemy"  # "alchemy" or a dev set's name (DEV_SETS)

    @property
    def key(self) -> str:
        return f"{self.locale}/{self.slug}"


@dataclass(frozen=True)
class Query:
    text: str
    locale: str
    gold: tuple[str, ...]
    kind: str  # "whole" or "half"
    source: str  # "stackfaq", "swefaq", "covid-de" or "alchemy-nl", ...
    split: str = "tune"  # "tune" or "held-out" (split_of): tune on one, report both


@dataclass
class Corpus:
    docs: list[Doc]
    queries: list[Query]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    smoke: bool = False

    def docs_from(self, source: str) -> list[Doc]:
        """The articles of one source: ``"alchemy"`` or a dev set (``"stackfaq"``, ...)."""
        return [d for d in self.docs if d.source == source]

    def select(self, *, kind: str | None = None, source: str | None = None,
               split: str | None = None) -> list[Query]:
        return [q for q in self.queries
                if (kind is None or q.kind == kind)
                and (split is None or q.split == split)
                and (source is None or q.source == source or q.source.startswith(source + "-"))]

    def describe(self) -> str:
        by_locale: dict[str, int] = {}
        for doc in self.docs:
            by_locale[doc.locale] = by_locale.get(doc.locale, 0) + 1
        langs = ", ".join(f"{k} {v}" for k, v in sorted(by_locale.items()))
        return (f"{len(self.docs)} articles ({langs}); {len(self.queries)} queries"
                f"{' [smoke]' if self.smoke else ''}"
                f"{f'; {len(self.skipped)} files skipped' if self.skipped else ''}")


# -- text -------------------------------------------------------------------

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"<[^>]+>")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]*)\]\[[^\]]*\]")
_REF_DEF = re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$", re.M)
_MARKUP = re.compile(r"[#*_>`|~=]+|^\s*[-+]\s+|^\s*\d+\.\s+", re.M)
_SPACE = re.compile(r"\s+")


def plain_text(markdown: str) -> str:
    """Markdown with some inline HTML -> searchable plain text (crude, same for all)."""
    text = _COMMENT.sub(" ", markdown)
    text = _TAG.sub(" ", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _REF_DEF.sub(" ", text)
    text = html.unescape(text)
    text = _MARKUP.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slug_key(value: str) -> str:
    """The URL slug of a file name or front-matter slug (ASCII, lower case,
    hyphens), as the portal's import makes it, so every engine reports the
    same slug: ``Set-up-SPF-in-Office-365`` -> ``set-up-spf-in-office-365``."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return _NON_SLUG.sub("-", ascii_text.lower()).strip("-")


def locale_of(meta: dict, fallback: str) -> str:
    raw = str(meta.get("locale") or meta.get("ms.contentlocale") or fallback)
    return raw.split("-")[0].split("_")[0].lower()


def stable_int(*parts: str) -> int:
    """A hash that is the same in every run (``hash()`` of a str is salted per process)."""
    return int.from_bytes(hashlib.sha1("\x00".join(parts).encode()).digest()[:8], "big")


def split_of(gold: tuple[str, ...], source: str) -> str:
    """``"tune"`` or ``"held-out"``, by a stable hash of the gold article.

    Splitting by article, not by query, keeps every rephrasing of one question
    on the same side: tuning never sees the held-out half's articles asked."""
    return SPLITS[stable_int("split", source, min(gold)) % 2]


def half_typed(text: str) -> str:
    """The first half of the words (rounded up), the last one cut mid-word.

    ``"How can I delete my facebook account?"`` -> ``"How can I del"``.
    The cut word keeps ``len // 2 + 1`` characters (at least 2 when the word
    has 3 or more), so the result always ends inside a word.
    """
    words = text.split()
    if not words:
        return ""
    kept = words[: math.ceil(len(words) / 2)]
    last = re.sub(r"^\W+|\W+$", "", kept[-1]) or kept[-1]
    if len(last) >= 3:
        last = last[: len(last) // 2 + 1]
    kept[-1] = last
    return " ".join(kept)


def title_query(title: str, slug: str) -> str:
    """A title with one word dropped (deterministically), as a customer half-remembers it."""
    words = title.split()
    if len(words) < 3:
        return title
    drop = stable_int("drop", slug) % len(words)
    return " ".join(w for i, w in enumerate(words) if i != drop)


# -- loading ------------------------------------------------------------------

def data_dir() -> Path:
    if not (DATA_DIR / "stackfaq" / "queries-dev.jsonl").is_file():
        raise DataMissing(f"shared data not found at {DATA_DIR}"
                          " (../shared/data relative to the project): skipping the benchmark")
    return DATA_DIR


def _read_doc(path: Path, fallback_locale: str) -> Doc:
    post = frontmatter.load(str(path))
    meta = post.metadata
    title = str(meta.get("title") or "").strip()
    if not title:
        raise ValueError("no title")
    slug = slug_key(str(meta.get("slug") or path.stem))
    return Doc(slug=slug, locale=locale_of(meta, fallback_locale), title=title,
               text=plain_text(post.content), path=path)


def _sample(items: list, count: int, salt: str) -> list:
    """A deterministic, well-spread sample (by hash, not by file order)."""
    return sorted(items, key=lambda item: stable_int(salt, str(item)))[:count]


def load(smoke: bool = False, alchemy: bool = True) -> Corpus:
    """The corpus and all query sets (whole and half-typed)."""
    root = data_dir()
    docs: list[Doc] = []
    skipped: list[tuple[str, str]] = []

    def read_all(paths: list[Path], fallback: str) -> list[Doc]:
        found = []
        for path in paths:
            try:
                found.append(_read_doc(path, fallback))
            except Exception as exc:  # a bad file is reported, never fatal
                skipped.append((str(path), f"{exc.__class__.__name__}: {exc}"))
        return found

    queries: list[Query] = []
    for name, lang in DEV_SETS.items():
        folder = root / name
        if not (folder / "queries-dev.jsonl").is_file():
            continue
        paths = sorted((folder / "articles").glob("*.md"))
        if smoke:
            paths = paths[: SMOKE["stackfaq_articles"]]
        found = [replace(doc, source=name) for doc in read_all(paths, lang)]
        docs.extend(found)
        known = {d.slug for d in found}
        rows = []
        with open(folder / "queries-dev.jsonl", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    row = json.loads(line)
                    gold = tuple(slug_key(g) for g in row["gold"])
                    if known.intersection(gold):
                        rows.append((row["query"].strip(), gold))
        if smoke:
            rows = rows[: SMOKE["queries"]]
        for text, gold in rows:
            split = split_of(gold, name)
            queries.append(Query(text, lang, gold, "whole", name, split))
            queries.append(Query(half_typed(text), lang, gold, "half", name, split))

    alchemy_docs: dict[str, list[Doc]] = {}
    if alchemy:
        for locale in ALCHEMY_LOCALES:
            paths = sorted((root / "alchemy" / locale).glob("*.md"))
            if smoke:
                paths = sorted(_sample(paths, SMOKE["alchemy_per_locale"], "smoke"))
            alchemy_docs[locale] = read_all(paths, locale)
            docs.extend(alchemy_docs[locale])

    count = SMOKE["queries"] if smoke else FULL_TITLE_QUERIES
    for locale, found in alchemy_docs.items():
        for doc in sorted(_sample(found, count, "title-" + locale), key=lambda d: d.slug):
            text = title_query(doc.title, doc.slug)
            split = split_of((doc.slug,), f"alchemy-{locale}")
            queries.append(Query(text, locale, (doc.slug,), "whole", f"alchemy-{locale}", split))
            queries.append(Query(half_typed(text), locale, (doc.slug,), "half", f"alchemy-{locale}", split))
    return Corpus(docs=docs, queries=queries, skipped=skipped, smoke=smoke)


#: A pasted stack trace, as customers paste them into tickets (~1,600 characters).
STACK_TRACE = "\n".join(
    ["Exception in thread \"main\" java.lang.IllegalStateException: sync failed"]
    + [f"    at com.example.client.sync.Worker{i}.run(Worker{i}.java:{40 + i})" for i in range(24)]
    + ["2024-05-01 12:00:01,123 ERROR [pool-1-thread-3] 0x80070005 17/55"])
GREETINGS = {"en": ("Hello support team,", "Thanks in advance, kind regards, Anna"),
             "nl": ("Hallo,", "Alvast bedankt, met vriendelijke groet, Anna"),
             "de": ("Hallo liebes Team,", "Vielen Dank und freundliche Grüße, Anna"),
             "sv": ("Hej,", "Tack på förhand, vänliga hälsningar, Anna"),
             "pl": ("Dzień dobry,", "Z góry dziękuję, pozdrawiam, Anna")}


def long_tickets(corpus: Corpus, count: int, chars: int = 5_000) -> list[tuple[str, str, str]]:
    """``(subject, description, locale)`` tickets of about ``chars`` characters each.

    Subject: a whole query; description: a greeting, the query again, a
    paragraph of another article of the same language (what a customer adds
    about their setup), a pasted stack trace and a sign-off, cut to ``chars``.
    """
    by_locale: dict[str, list[Doc]] = {}
    for doc in corpus.docs:
        by_locale.setdefault(doc.locale, []).append(doc)
    wanted = [q for q in corpus.queries if q.kind == "whole" and q.locale in by_locale]
    tickets = []
    for q in _sample(wanted, count, "ticket"):
        docs = by_locale[q.locale]
        other = docs[stable_int("ticket-doc", q.text) % len(docs)]
        hello, bye = GREETINGS.get(q.locale, GREETINGS["en"])
        context = other.text[: max(0, chars - 2_200)]
        description = f"{hello}\n\n{q.text}\n\n{context}\n\n{STACK_TRACE}\n\n{bye}"
        while len(description) < chars:
            description += "\n" + context[:chars - len(description)]
        tickets.append((q.text, description[:chars], q.locale))
    return tickets


if __name__ == "__main__":  # a quick look: python bench/corpus.py [--smoke]
    import sys

    try:
        corpus = load(smoke="--smoke" in sys.argv)
    except DataMissing as exc:
        print(f"SKIP: {exc}")
        raise SystemExit(0)
    print(corpus.describe())
    for q in corpus.queries[:4] + corpus.select(source="alchemy-pl")[:4]:
        print(f"  [{q.source} {q.kind}] {q.text!r} -> {q.gold}")
    print("  sample text:", corpus.docs[-1].text[:200])
