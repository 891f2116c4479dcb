"""SQLite FTS5: what a simple Flask app would use.

One ``fts5`` table in a SQLite file (title, body; slug and locale unindexed)
with the ``unicode61 remove_diacritics 2`` tokenizer and a prefix index on 2
and 3 characters (``prefix='2 3'``, the documented way to make ``abc*`` fast).
Ranking: ``bm25(docs, 0, 0, TITLE_BOOST, 1)``. Each word is quoted and OR-ed;
the last word, while still being typed, becomes ``"word"*`` (which also matches
the whole word).

What it lacks: no stemming in any language (FTS5's ``porter`` tokenizer is
English only and a simple app rarely sets it up), no language analysis at all.
"""
from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from peers import TITLE_BOOST, words_of


class Fts5Engine:
    name = "fts5"

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="bench-fts5-")
        self.path = Path(self._dir.name) / "search.db"
        self.db: sqlite3.Connection | None = None

    def build(self, docs) -> None:
        db = sqlite3.connect(self.path, check_same_thread=False)
        db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(slug UNINDEXED, locale UNINDEXED, title, body,"
            " tokenize='unicode61 remove_diacritics 2', prefix='2 3')")
        with db:
            db.executemany("INSERT INTO docs (slug, locale, title, body) VALUES (?, ?, ?, ?)",
                           ((d.slug, d.locale, d.title, d.text) for d in docs))
        db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        db.commit()
        self.db = db

    @staticmethod
    def match_expression(text: str) -> str | None:
        words, prefix = words_of(text)
        if not words:
            return None
        terms = [f'"{w}"' for w in words[:-1]]
        terms.append(f'"{words[-1]}"*' if prefix else f'"{words[-1]}"')
        return " OR ".join(terms)

    def query(self, text: str, locale: str | None, limit: int = 5) -> list[str]:
        expression = self.match_expression(text)
        if expression is None:
            return []
        sql = (f"SELECT slug FROM docs WHERE docs MATCH ?{' AND locale = ?' if locale else ''}"
               f" ORDER BY bm25(docs, 0.0, 0.0, {TITLE_BOOST}, 1.0) LIMIT ?")
        params = (expression, locale, limit) if locale else (expression, limit)
        return [row[0] for row in self.db.execute(sql, params)]

    def update(self, doc) -> None:
        """Replace one article (for the one-article update timing)."""
        with self.db:
            self.db.execute("DELETE FROM docs WHERE slug = ? AND locale = ?", (doc.slug, doc.locale))
            self.db.execute("INSERT INTO docs (slug, locale, title, body) VALUES (?, ?, ?, ?)",
                            (doc.slug, doc.locale, doc.title, doc.text))

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        self._dir.cleanup()
