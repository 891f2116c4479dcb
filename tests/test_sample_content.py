"""The sample help center that `make run` serves imports cleanly and is complete."""
from __future__ import annotations

from pathlib import Path

import frontmatter
from sqlalchemy import func, select

from portal import content
from portal.kb.models import WELCOME_CATEGORY, Article

ARTICLES = Path(__file__).resolve().parent.parent / "articles"


def _front_matter(locale: str) -> dict[str, dict]:
    found = {}
    for path in sorted((ARTICLES / locale).rglob("*.md")):
        meta = frontmatter.load(path).metadata
        if meta.get("kind", "article") == "article":
            found[meta["slug"]] = meta
    return found


def test_every_english_article_has_a_dutch_twin():
    english, dutch = _front_matter("en"), _front_matter("nl")
    assert set(english) == set(dutch)
    for slug, meta in english.items():
        assert dutch[slug]["category"] == meta["category"], slug
    welcome = sorted(m["order"] for m in english.values() if m["category"] == WELCOME_CATEGORY)
    assert welcome == list(range(1, len(welcome) + 1)) and len(welcome) >= 6
    assert len([m for m in english.values() if m["category"] != WELCOME_CATEGORY]) >= 20


def test_sample_content_imports_without_failures_and_idempotently(app):
    with app.app_context():
        first = content.import_paths([ARTICLES])
        assert first.failed == []
        assert first.created >= 2 * 29
        from portal.db import session

        assert session.scalar(select(func.count()).select_from(Article).where(Article.locale == "nl")) >= 29
        again = content.import_paths([ARTICLES])
        assert (again.created, again.updated, len(again.failed)) == (0, 0, 0)
        assert again.unchanged == first.created
