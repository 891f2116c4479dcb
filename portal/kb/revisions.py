"""Reading an article's versions: the live columns, the pending draft, revisions.

Read-only helpers shared by the write path (:mod:`portal.kb.services`), the
editor and the history pages: every version is a plain dict with the same
keys (:data:`CONTENT_KEYS`), so comparing and diffing them is one rule.
"""
from __future__ import annotations

from sqlalchemy import select

from portal.db import session
from portal.kb.models import DEFAULT_CATEGORY, VISIBILITY_PUBLIC, Article, ArticleRevision


#: The fields of an article a revision keeps (what readers see).
CONTENT_KEYS = ("title", "body_md", "status", "category_slug", "tags", "questions", "summary", "position",
                "visibility")


def latest_revision(article: Article) -> ArticleRevision | None:
    """The newest revision of the article (live or draft): what an edit must start from."""
    if article.id is None:
        return None
    return session.scalar(select(ArticleRevision).where(ArticleRevision.article_id == article.id)
                          .order_by(ArticleRevision.id.desc()).limit(1))


def revision_content(revision: ArticleRevision) -> dict:
    """A revision's content with the same keys as :func:`article_content`."""
    meta = revision.meta or {}
    return {"title": revision.title, "body_md": revision.body_md, "status": revision.status,
            "category_slug": meta.get("category") or DEFAULT_CATEGORY, "tags": list(meta.get("tags") or []),
            "questions": list(meta.get("questions") or []), "summary": meta.get("summary") or None,
            "position": meta.get("order"), "visibility": meta.get("visibility") or VISIBILITY_PUBLIC}


def article_content(article: Article) -> dict:
    """What customers read now (the live columns)."""
    return {key: getattr(article, key) for key in CONTENT_KEYS}


def editable_content(article: Article) -> dict:
    """What the editor opens: the pending draft beside the live version, else the article itself."""
    if article.draft_revision_id is not None:
        draft = session.get(ArticleRevision, article.draft_revision_id)
        if draft is not None:
            return revision_content(draft)
    return article_content(article)
