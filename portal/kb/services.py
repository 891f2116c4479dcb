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
from portal.i18n import default_locale
from portal.kb import import_checks, metadata
from portal.kb.import_checks import IMPORT_AUTHOR
from portal.kb.models import (
    ARTICLE_STATUSES, DEFAULT_CATEGORY, STATUS_DRAFT, STATUS_PUBLISHED, VISIBILITIES, VISIBILITY_PUBLIC,
    WELCOME_CATEGORY, Article, ArticleRevision, ArticleViewDaily, Category,
)
from portal.kb.rendering import MarkdownRefused, render_markdown
from portal.kb.revisions import article_content, editable_content, latest_revision, revision_content  # noqa: F401

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
MAX_FEEDBACK_COMMENT = 2000


# Built once: composing SQL expressions per imported file costs more than running them.
_ARTICLE_BY_KEY = select(Article).where(Article.slug == bindparam("slug"), Article.locale == bindparam("locale"))
_CATEGORY_BY_KEY = select(Category).where(Category.slug == bindparam("slug"), Category.locale == bindparam("locale"))


def find_article(slug: str, locale: str) -> Article | None:
    return session.scalar(_ARTICLE_BY_KEY, {"slug": slug, "locale": locale})


def find_category(slug: str, locale: str) -> Category | None:
    return session.scalar(_CATEGORY_BY_KEY, {"slug": slug, "locale": locale})


class ArticleError(ValueError):
    """An article or category that cannot be saved, with a reason for the writer."""


class EditConflict(ArticleError):
    """Someone saved the article after the revision this edit started from."""

    def __init__(self, article: Article, latest: ArticleRevision, base_revision_id: int | None):
        super().__init__(_("%(who)s saved this article after you started editing it.",
                           who=latest.author or _("someone")))
        self.article, self.latest, self.base_revision_id = article, latest, base_revision_id


def _add_revision(article: Article, content: dict, author: str | None, note: str | None) -> ArticleRevision:
    revision = ArticleRevision(
        article=article, title=content["title"], body_md=content["body_md"], status=content["status"],
        author=author, note=note,
        meta={"slug": article.slug, "category": content["category_slug"], "tags": list(content["tags"]),
              "questions": list(content["questions"]), "summary": content["summary"],
              "order": content["position"], "visibility": content["visibility"]})
    # via the many-to-one side: appending to article.revisions would load them all first
    session.add(revision)
    return revision


def source_article(slug: str) -> Article | None:
    """The article translations are made from: the one in the site's default
    language, else the earliest created language of that slug."""
    default = default_locale()
    return (find_article(slug, default) or session.scalar(
        select(Article).where(Article.slug == slug).order_by(Article.created_at, Article.id).limit(1)))


def _mark_translations_outdated(article: Article) -> None:
    source = source_article(article.slug)
    if source is None or source.id != article.id:
        return
    for translation in session.scalars(select(Article).where(
            Article.slug == article.slug, Article.id != article.id, Article.outdated_since.is_(None))):
        translation.outdated_since = utcnow()


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
                 position: int | None = None, visibility: str | None = None,
                 extra: dict | None = None, source_path: str | None = None, source_hash: str | None = None,
                 author: str | None = None, note: str | None = None, base_revision_id: int | None = None,
                 commit: bool = True) -> tuple[Article, str]:
    """Create or update the article ``locale/slug``; returns it and created/updated/unchanged.

    A revision is stored whenever what readers see (title, body, status,
    category, tags, questions, summary, order, visibility) changed.
    ``questions=None``/``visibility=None`` keep what the article has.

    A *draft* of a published article is stored beside it (a revision the
    article points to): customers keep reading the live version, unchanged,
    until a later save publishes it. ``base_revision_id`` is the revision the
    writer's form started from: if someone saved after it, :class:`EditConflict`
    is raised instead of overwriting their work.
    """
    _check_slug(slug, "slug", metadata.MAX_SLUG)
    _check_slug(category, "category", metadata.MAX_CATEGORY)
    _check_common(slug, locale, title, metadata.MAX_TITLE)
    if status not in ARTICLE_STATUSES:
        raise ArticleError(_("status must be draft or published"))
    if visibility is not None and visibility not in VISIBILITIES:
        raise ArticleError(_("visibility must be public or internal"))
    article = find_article(slug, locale)
    if article is not None and base_revision_id is not None:
        # PostgreSQL: hold the row so two saves cannot both pass the check (SQLite serializes writers itself)
        session.execute(select(Article.id).where(Article.id == article.id).with_for_update())
        latest = latest_revision(article)
        if latest is not None and latest.id != base_revision_id:
            raise EditConflict(article, latest, base_revision_id)
    # As a file stores it (front matter parsing strips the body; browsers send CRLF),
    # so that an export reads back unchanged.
    body_md = (body_md or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    rendered = None
    if article is None or article.body_md != body_md:
        # rendered before anything is written: refused markdown leaves no half-made article
        try:
            rendered = render_markdown(body_md)
        except MarkdownRefused as exc:
            raise ArticleError(str(exc)) from exc
    ensure_category(category, locale)
    outcome = CREATED if article is None else UPDATED
    if article is None:
        article = Article(slug=slug, locale=locale, body_md="", created_at=utcnow(), visibility=VISIBILITY_PUBLIC)
        session.add(article)
    current = editable_content(article) if outcome == UPDATED else {}
    content = {"title": " ".join(title.split()), "body_md": body_md, "status": status,
               "category_slug": category, "tags": list(tags),
               "questions": list(current.get("questions") or []) if questions is None else list(questions),
               "summary": summary or None, "position": position,
               "visibility": visibility or current.get("visibility") or VISIBILITY_PUBLIC}
    if outcome == UPDATED and article.is_published and status == STATUS_DRAFT:
        return _save_draft_beside_live(article, content, author, note, commit)
    # None keeps what an existing article has: an edit in the staff editor keeps
    # the front matter extras and the link to the file it was imported from.
    bookkeeping = {key: value for key, value in
                   {"extra": extra, "source_path": source_path, "source_hash": source_hash}.items()
                   if value is not None or outcome == CREATED}
    bookkeeping["extra"] = bookkeeping.get("extra", article.extra) or {}
    content_changed = outcome == CREATED or any(getattr(article, k) != v for k, v in content.items())
    if not content_changed and article.draft_revision_id is None and all(
            getattr(article, k) == v for k, v in bookkeeping.items()):
        return article, UNCHANGED
    if rendered is not None:
        article.body_html, article.body_text, article.headings = rendered.html, rendered.text, rendered.headings
    for key, value in {**content, **bookkeeping}.items():
        setattr(article, key, value)
    # This save supersedes any pending draft (the editor opened it; publishing it is this save).
    article.draft_revision_id = None
    if status == STATUS_PUBLISHED:
        article.publish_at = None
    if content_changed:
        article.updated_at = utcnow()
        article.outdated_since = None  # a writer updated this translation
        _add_revision(article, content, author, note)
        if outcome == UPDATED and status == STATUS_PUBLISHED:
            _mark_translations_outdated(article)
    session.flush()
    signals.article_saved.send(current_app._get_current_object(), session=session, article=article)
    if commit:
        session.commit()
    return article, outcome


def _save_draft_beside_live(article: Article, content: dict, author: str | None, note: str | None,
                            commit: bool) -> tuple[Article, str]:
    """Store a draft of a published article without touching what customers read."""
    live = article_content(article)
    if content == editable_content(article):
        return article, UNCHANGED
    if content == {**live, "status": STATUS_DRAFT} and article.draft_revision_id is None:
        return article, UNCHANGED
    revision = _add_revision(article, content, author, note)
    session.flush()
    article.draft_revision_id = revision.id
    if commit:
        session.commit()
    return article, UPDATED


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
        extra=meta.extra, visibility=meta.visibility,
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
        if existing.source_hash == digest or import_checks.same_article(existing, source, meta):
            return UNCHANGED
        if not _same_file(existing.source_path, source.path):
            raise ImportProblem(f"slug {meta.slug!r} ({meta.locale}) is already used by {existing.source_path}; "
                                "give one of them another slug")
        import_checks.check_not_edited_in_browser(existing, source)
    else:
        import_checks.check_not_renamed_in_browser(meta.slug, meta.locale, source)
    return _import_in_batch(_apply_article, source, meta, digest)


def import_category(source: SourceFile) -> str:
    """The importer for ``kind: category`` files."""
    meta = metadata.category_meta(source)
    digest = source_hash(source)
    existing = find_category(meta.slug, meta.locale)
    if existing is not None and (existing.source_hash == digest or import_checks.same_category(existing, meta)):
        return UNCHANGED
    return _import_in_batch(_apply_category, source, meta, digest)


def record_view(article_id: int, day: date | None = None) -> None:
    """Count one page view for the day."""
    record_views({(article_id, day or utcnow().date()): 1})


def record_views(counts) -> None:
    """Add ``{(article_id, day): views}``: one upsert each, safe under concurrent writers."""
    dialect = postgresql if is_postgres() else sqlite
    for (article_id, day), views in sorted(counts.items()):
        statement = dialect.insert(ArticleViewDaily).values(article_id=article_id, day=day, views=views)
        statement = statement.on_conflict_do_update(
            index_elements=[ArticleViewDaily.article_id, ArticleViewDaily.day],
            set_={"views": ArticleViewDaily.views + statement.excluded.views},
        )
        session.execute(statement)
    session.commit()


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
