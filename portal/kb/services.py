"""The kb domain's one write path.

Every article change, from the file import, the staff editor or a test, goes
through :func:`save_article`: it checks the fields, renders the markdown, keeps
a revision when the content changed, sends :data:`portal.signals.article_saved`
inside the transaction (the search index listens) and commits. Reading side
queries live in :mod:`portal.kb.queries`.
"""
from __future__ import annotations

import hashlib
import os
from datetime import date

from flask import current_app, g
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from portal import signals
from portal.config import SUPPORTED_LOCALES
from portal.content import ImportProblem, SourceFile
from portal.db import is_postgres, session, utcnow
from portal.kb import metadata
from portal.kb.models import (
    ARTICLE_STATUSES, DEFAULT_CATEGORY, STATUS_PUBLISHED, WELCOME_CATEGORY, Article, ArticleFeedback, ArticleRevision,
    ArticleViewDaily, Category,
)
from portal.kb.rendering import render_markdown

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
MAX_FEEDBACK_COMMENT = 2000
IMPORT_AUTHOR = "import"


# Built once: composing SQL expressions per imported file costs more than running them.
_ARTICLE_BY_KEY = select(Article).where(Article.slug == bindparam("slug"), Article.locale == bindparam("locale"))
_CATEGORY_BY_KEY = select(Category).where(Category.slug == bindparam("slug"), Category.locale == bindparam("locale"))


def find_article(slug: str, locale: str) -> Article | None:
    return session.scalar(_ARTICLE_BY_KEY, {"slug": slug, "locale": locale})


def find_category(slug: str, locale: str) -> Category | None:
    return session.scalar(_CATEGORY_BY_KEY, {"slug": slug, "locale": locale})


class ArticleError(ValueError):
    """An article or category that cannot be saved, with a reason for the writer."""


def _check_slug(value: str, what: str, max_length: int) -> None:
    if not value or metadata.slugify(value, max_length) != value:
        raise ArticleError(_("%(what)s %(value)r may only contain lowercase letters, digits and hyphens",
                             what=what, value=value))


def _check_common(slug: str, locale: str, title: str, max_title: int) -> None:
    if locale not in SUPPORTED_LOCALES:
        raise ArticleError(_("locale %(locale)r is not supported (use one of %(supported)s)",
                             locale=locale, supported=", ".join(SUPPORTED_LOCALES)))
    if not title or not title.strip():
        raise ArticleError(_("title is missing"))
    if len(title) > max_title:
        raise ArticleError(_("title is longer than %(max)s characters", max=max_title))


def placeholder_title(slug: str, locale: str) -> str:
    """The title of a category nobody described, in the category's language.

    The categories the portal itself names have translated names: the
    default one (where articles without ``category:`` go: "General",
    "Algemeen", ...) and the welcome steps ("Getting started"). Any other slug
    is the author's own word, shown as written (``billing-faq`` → "Billing faq").
    """
    if slug not in (DEFAULT_CATEGORY, WELCOME_CATEGORY):
        return metadata.title_from_slug(slug)
    with force_locale(locale):
        return _("General") if slug == DEFAULT_CATEGORY else _("Getting started")


def ensure_category(slug: str, locale: str) -> Category:
    """The category, made as a placeholder (title from the slug) if it is unknown,
    so that articles naming a category nobody described can still be browsed.

    A placeholder keeps following :func:`placeholder_title` (e.g. after the
    translation changed) until a category file describes it."""
    category = find_category(slug, locale)
    if category is None:
        category = Category(slug=slug, locale=locale, title=placeholder_title(slug, locale))
        session.add(category)
    elif category.source_hash is None and category.source_path is None:
        title = placeholder_title(slug, locale)
        if category.title == metadata.title_from_slug(slug) and category.title != title:
            category.title = title  # made by an older version, in English
    return category


def save_category(*, slug: str, locale: str, title: str, summary: str | None = None, icon: str | None = None,
                  position: int | None = None, source_path: str | None = None, source_hash: str | None = None,
                  commit: bool = True) -> tuple[Category, str]:
    """Create or update a category; returns it and created/updated/unchanged."""
    _check_slug(slug, "category", metadata.MAX_CATEGORY)
    _check_common(slug, locale, title, metadata.MAX_CATEGORY_TITLE)
    category = find_category(slug, locale)
    # A placeholder made for an article's unknown category becomes real: "created".
    outcome = CREATED if category is None or category.source_hash is None and source_hash else UPDATED
    if category is None:
        category = Category(slug=slug, locale=locale)
        session.add(category)
    values = {"title": title.strip(), "summary": summary, "icon": icon,
              "position": 100 if position is None else position,
              "source_path": source_path, "source_hash": source_hash}
    if outcome == UPDATED and all(getattr(category, key) == value for key, value in values.items()):
        return category, UNCHANGED
    for key, value in values.items():
        setattr(category, key, value)
    category.updated_at = utcnow()
    if commit:
        session.commit()
    return category, outcome


def save_article(*, slug: str, locale: str, title: str, body_md: str, category: str = DEFAULT_CATEGORY,
                 tags=(), questions=None, summary: str | None = None, status: str = STATUS_PUBLISHED,
                 position: int | None = None,
                 extra: dict | None = None, source_path: str | None = None, source_hash: str | None = None,
                 author: str | None = None, note: str | None = None, commit: bool = True) -> tuple[Article, str]:
    """Create or update the article ``locale/slug``; returns it and created/updated/unchanged.

    A revision is stored whenever what readers see (title, body, status,
    category, tags, questions, summary, order) changed. ``questions=None``
    keeps what an existing article has (an editor without that field).
    """
    _check_slug(slug, "slug", metadata.MAX_SLUG)
    _check_slug(category, "category", metadata.MAX_CATEGORY)
    _check_common(slug, locale, title, metadata.MAX_TITLE)
    if status not in ARTICLE_STATUSES:
        raise ArticleError(_("status must be draft or published"))
    ensure_category(category, locale)
    article = find_article(slug, locale)
    outcome = CREATED if article is None else UPDATED
    if article is None:
        article = Article(slug=slug, locale=locale, body_md="", created_at=utcnow())
        session.add(article)
    if questions is None:
        questions = article.questions or []
    content = {"title": " ".join(title.split()), "body_md": body_md or "", "status": status,
               "category_slug": category, "tags": list(tags), "questions": list(questions),
               "summary": summary or None, "position": position}
    # None keeps what an existing article has: an edit in the staff editor keeps
    # the front matter extras and the link to the file it was imported from.
    bookkeeping = {key: value for key, value in
                   {"extra": extra, "source_path": source_path, "source_hash": source_hash}.items()
                   if value is not None or outcome == CREATED}
    bookkeeping["extra"] = bookkeeping.get("extra", article.extra) or {}
    content_changed = outcome == CREATED or any(getattr(article, k) != v for k, v in content.items())
    if not content_changed and all(getattr(article, k) == v for k, v in bookkeeping.items()):
        return article, UNCHANGED
    if outcome == CREATED or article.body_md != content["body_md"]:
        rendered = render_markdown(content["body_md"])
        article.body_html, article.body_text, article.headings = rendered.html, rendered.text, rendered.headings
    for key, value in {**content, **bookkeeping}.items():
        setattr(article, key, value)
    if content_changed:
        article.updated_at = utcnow()
        # via the many-to-one side: appending to article.revisions would load them all first
        session.add(ArticleRevision(
            article=article, title=article.title, body_md=article.body_md, status=status, author=author, note=note,
            meta={"category": category, "tags": list(tags), "questions": list(questions), "summary": summary,
                  "order": position}))
    session.flush()
    signals.article_saved.send(current_app._get_current_object(), session=session, article=article)
    if commit:
        session.commit()
    return article, outcome


def source_hash(source: SourceFile) -> str:
    """Change detection for imports: the sha256 of the whole file text."""
    return hashlib.sha256(source.raw.encode("utf-8")).hexdigest()


def _same_file(stored: str | None, path) -> bool:
    if not stored:
        return True
    try:
        return os.path.samefile(stored, path)
    except OSError:  # the old file is gone (moved or renamed): this one takes over
        return True


# Imports commit in batches: one commit (and one search-index update) per file
# would make importing thousands of files take many minutes. Every file is
# flushed on its own, so a database error still belongs to exactly one file:
# the batch before it is rolled back with it and then re-applied (those files
# passed once and pass again), and the report stays exact.
IMPORT_BATCH_SIZE = 250
_BATCH_KEY = "kb_import_batch"


def _pending_batch() -> list:
    return g.setdefault(_BATCH_KEY, [])


def _apply_article(source: SourceFile, meta: metadata.ArticleMeta, digest: str) -> str:
    _article, outcome = save_article(
        slug=meta.slug, locale=meta.locale, title=meta.title, body_md=source.body, category=meta.category,
        tags=meta.tags, questions=meta.questions, summary=meta.summary, status=meta.status, position=meta.order,
        extra=meta.extra,
        source_path=str(source.path.resolve()), source_hash=digest, author=IMPORT_AUTHOR,
        note=f"imported from {source.path.name}", commit=False)
    return outcome


def _apply_category(source: SourceFile, meta: metadata.CategoryMeta, digest: str) -> str:
    _category, outcome = save_category(
        slug=meta.slug, locale=meta.locale, title=meta.title, summary=meta.summary, icon=meta.icon,
        position=meta.order, source_path=str(source.path.resolve()), source_hash=digest, commit=False)
    return outcome


def _import_in_batch(apply, source: SourceFile, meta, digest: str) -> str:
    batch = _pending_batch()
    try:
        outcome = apply(source, meta, digest)
        session.flush()
    except ArticleError as exc:  # checked before anything is written
        raise ImportProblem(str(exc)) from exc
    except Exception:
        session.rollback()
        for replay in batch:
            replay()
        session.flush()
        raise
    batch.append(lambda: apply(source, meta, digest))
    if len(batch) >= IMPORT_BATCH_SIZE:
        finish_import()
    return outcome


def finish_import() -> None:
    """Commit what the importers saved since the last batch (run after every import)."""
    batch = g.pop(_BATCH_KEY, None)
    if batch:
        session.commit()


def import_article(source: SourceFile) -> str:
    """The importer for ``kind: article`` files (see :mod:`portal.content`)."""
    meta = metadata.article_meta(source)
    digest = source_hash(source)
    existing = find_article(meta.slug, meta.locale)
    if existing is not None:
        if not _same_file(existing.source_path, source.path):
            raise ImportProblem(f"slug {meta.slug!r} ({meta.locale}) is already used by {existing.source_path}; "
                                "give one of them another slug")
        if existing.source_hash == digest:
            return UNCHANGED
    return _import_in_batch(_apply_article, source, meta, digest)


def import_category(source: SourceFile) -> str:
    """The importer for ``kind: category`` files."""
    meta = metadata.category_meta(source)
    digest = source_hash(source)
    existing = find_category(meta.slug, meta.locale)
    if existing is not None and existing.source_hash == digest:
        return UNCHANGED
    return _import_in_batch(_apply_category, source, meta, digest)


def record_view(article_id: int, day: date | None = None) -> None:
    """Count one page view for the day: an upsert, safe under concurrent requests."""
    day = day or utcnow().date()
    dialect = postgresql if is_postgres() else sqlite
    statement = dialect.insert(ArticleViewDaily).values(article_id=article_id, day=day, views=1)
    statement = statement.on_conflict_do_update(
        index_elements=[ArticleViewDaily.article_id, ArticleViewDaily.day],
        set_={"views": ArticleViewDaily.views + 1},
    )
    session.execute(statement)
    session.commit()


def record_feedback(article: Article, helpful: bool, comment: str | None = None) -> ArticleFeedback:
    """Store a "was this helpful?" answer: the answer and an optional comment, nothing about the reader."""
    comment = (comment or "").strip()[:MAX_FEEDBACK_COMMENT] or None
    feedback = ArticleFeedback(article_id=article.id, helpful=helpful, comment=comment)
    session.add(feedback)
    session.commit()
    return feedback


def rerender_articles(batch_size: int = IMPORT_BATCH_SIZE) -> int:
    """Render every article's markdown again (after the embed allowlist or the
    renderer changed); returns how many changed. No revision: the text is the same."""
    ids = list(session.scalars(select(Article.id).order_by(Article.id)))
    changed = 0
    for start in range(0, len(ids), batch_size):
        for article in session.scalars(select(Article).where(Article.id.in_(ids[start:start + batch_size]))):
            rendered = render_markdown(article.body_md)
            if (rendered.html, rendered.text, rendered.headings) != (article.body_html, article.body_text,
                                                                     article.headings):
                article.body_html, article.body_text, article.headings = rendered.html, rendered.text, rendered.headings
                changed += 1
        session.commit()
    return changed
