"""Helpers for the search tests: articles created directly as rows."""
from __future__ import annotations

from itertools import count

from portal.db import session

_numbers = count(1)


def add_article(app, *, title: str, body: str = "", locale: str = "en", slug: str | None = None,
                status: str = "published", headings=(), tags=(), summary: str | None = None,
                category: str = "general", questions=()) -> int:
    """Create and commit an article through the ORM (so the index hooks run); returns its id."""
    from portal.kb.models import Article

    with app.app_context():
        article = Article(
            slug=slug or f"article-{next(_numbers)}", locale=locale, title=title, body_text=body,
            body_md=body, body_html="", status=status, summary=summary, category_slug=category,
            tags=list(tags), questions=list(questions), headings=[{"id": f"h{i}", "text": text, "level": 2} for i, text in enumerate(headings)],
        )
        session.add(article)
        session.commit()
        return article.id


def slugs(results) -> list[str]:
    """Slugs of suggest() dicts or of a SearchPage's hits."""
    hits = results.hits if hasattr(results, "hits") else results
    return [hit["slug"] for hit in hits]
