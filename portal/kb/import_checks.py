"""What ``portal import`` checks before it writes an article or category file.

* **Same content, different bytes** (a file ``portal export`` wrote, a file
  re-saved by an editor): reported as unchanged, nothing written.
* **Renamed in the browser**: a file with the old slug is a conflict too.
* **Edited in the browser since the last import**: a file that changed is not
  allowed to replace an edit a writer made in the staff editor (or a pending
  draft). It is reported as a conflict naming the file and the revision
  (who, when, which number), unless the import runs with ``--force``; even then
  the browser edit stays in the article's history.
"""
from __future__ import annotations

from sqlalchemy import func, select

from portal.content import ImportConflict, SourceFile
from portal.db import session
from portal.kb import metadata
from portal.kb.models import STATUS_DRAFT, Article, ArticleRedirect, ArticleRevision, Category
from portal.kb.revisions import article_content, editable_content

#: The author name revisions made by ``portal import`` carry.
IMPORT_AUTHOR = "import"


def file_content(source: SourceFile, meta: metadata.ArticleMeta) -> dict:
    """The file's article as the same dict :func:`portal.kb.revisions.article_content` returns."""
    return {"title": meta.title, "body_md": source.body or "", "status": meta.status, "category_slug": meta.category,
            "tags": list(meta.tags), "questions": list(meta.questions), "summary": meta.summary or None,
            "position": meta.order, "visibility": meta.visibility}


def same_article(article: Article, source: SourceFile, meta: metadata.ArticleMeta) -> bool:
    """True when importing the file would change nothing readers or writers see."""
    wanted = file_content(source, meta)
    if meta.extra != (article.extra or {}):
        return False
    if wanted["status"] == STATUS_DRAFT and article.is_published:
        # a draft file of a live article is its pending draft
        return article.draft_revision_id is not None and editable_content(article) == wanted
    return article.draft_revision_id is None and article_content(article) == wanted


def same_category(category: Category, meta: metadata.CategoryMeta) -> bool:
    return (category.title, category.summary, category.icon, category.position) == (
        meta.title, meta.summary, meta.icon, 100 if meta.order is None else meta.order)


def browser_edit_since_import(article: Article) -> ArticleRevision | None:
    """The newest revision not made by an import, if it is newer than the last import."""
    last_import = session.scalar(select(func.max(ArticleRevision.id)).where(
        ArticleRevision.article_id == article.id, ArticleRevision.author == IMPORT_AUTHOR)) or 0
    return session.scalar(select(ArticleRevision).where(
        ArticleRevision.article_id == article.id, ArticleRevision.id > last_import,
        (ArticleRevision.author != IMPORT_AUTHOR) | ArticleRevision.author.is_(None))
        .order_by(ArticleRevision.id.desc()).limit(1))


def check_not_edited_in_browser(article: Article, source: SourceFile) -> None:
    """Raise :class:`ImportConflict` if the file would overwrite a browser edit."""
    if source.force:
        return
    edit = browser_edit_since_import(article)
    if edit is None:
        return
    when = edit.created_at.strftime("%Y-%m-%d %H:%M UTC")
    pending = " (a pending draft)" if edit.id == article.draft_revision_id else ""
    raise ImportConflict(
        f"{article.locale}/{article.slug} was edited in the browser since its last import: revision #{edit.id}"
        f"{pending} by {edit.author or 'unknown'} on {when}. Not overwritten; merge the change into the file "
        "(or export the article again), or import with --force to replace it.")


def check_not_renamed_in_browser(slug: str, locale: str, source: SourceFile) -> None:
    """A file naming a slug that was renamed in the browser would bring the old
    article back beside the renamed one: a conflict too (``--force`` creates it)."""
    if source.force:
        return
    moved_to = session.scalar(select(ArticleRedirect.new_slug).where(
        ArticleRedirect.old_slug == slug, ArticleRedirect.locale == locale))
    if moved_to:
        raise ImportConflict(
            f"{locale}/{slug} was renamed to {moved_to!r} in the browser; set 'slug: {moved_to}' in the file "
            "(or remove the redirect), or import with --force to create a separate article.")
