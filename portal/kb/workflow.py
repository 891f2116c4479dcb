"""Writers' workflow on top of :func:`portal.kb.services.save_article`.

Publishing a pending draft, discarding it, unpublishing, scheduled publishing,
restoring an old revision, renaming an article (with permanent redirects) and
marking a translation as still current. Every content change goes through
``save_article`` (so revisions, indexing and outdated translations cannot be
forgotten); the rest are small bookkeeping writes kept here, in one place.
"""
from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from portal import signals
from portal.db import session, utcnow
from portal.kb import metadata
from portal.kb.models import STATUS_DRAFT, STATUS_PUBLISHED, Article, ArticleRedirect, ArticleRevision
from portal.kb.services import (
    ArticleError, _add_revision, _check_slug, article_content, editable_content, revision_content,
    save_article,
)

log = logging.getLogger(__name__)


def _save_content(article: Article, content: dict, *, status: str, author: str | None, note: str | None,
                  base_revision_id: int | None = None):
    return save_article(
        slug=article.slug, locale=article.locale, title=content["title"], body_md=content["body_md"],
        category=content["category_slug"], tags=content["tags"], questions=content["questions"],
        summary=content["summary"], position=content["position"], visibility=content["visibility"],
        status=status, author=author, note=note, base_revision_id=base_revision_id)


def publish(article: Article, *, author: str | None, note: str | None = None):
    """Make what the editor shows (the pending draft, or the unpublished article) live."""
    return _save_content(article, editable_content(article), status=STATUS_PUBLISHED, author=author,
                         note=note or _("published"))


def discard_draft(article: Article, *, author: str | None) -> bool:
    """Forget the pending draft of a published article; the live version stays as it was."""
    if article.draft_revision_id is None:
        return False
    article.draft_revision_id = None
    article.publish_at = None
    session.commit()
    log.info("%s discarded the draft of %r", author, article)
    return True


def unpublish(article: Article, *, author: str | None) -> bool:
    """Take a published article offline (its own explicit action, never a side effect of a draft)."""
    if not article.is_published:
        return False
    article.status = STATUS_DRAFT
    article.publish_at = None  # taking it offline also cancels a scheduled publication
    article.updated_at = utcnow()
    _add_revision(article, {**article_content(article), "status": STATUS_DRAFT}, author, _("unpublished"))
    session.flush()
    signals.article_saved.send(current_app._get_current_object(), session=session, article=article)
    session.commit()
    return True


def schedule(article: Article, when: datetime | None) -> None:
    """Publish the draft (or the unpublished article) at ``when`` (UTC); None cancels."""
    if when is not None and when <= utcnow():
        raise ArticleError(_("Choose a time in the future."))
    if when is not None and article.is_published and article.draft_revision_id is None:
        raise ArticleError(_("There is no draft to publish: save a draft first."))
    article.publish_at = when
    session.commit()


def publish_due(now: datetime | None = None) -> int:
    """Publish every draft whose time has come; returns how many.

    Safe with several workers: each article is claimed by clearing its
    ``publish_at`` with a conditional UPDATE, so only one process publishes it;
    running it again publishes nothing twice."""
    now = now or utcnow()
    due = session.execute(select(Article.id, Article.publish_at)
                          .where(Article.publish_at.is_not(None), Article.publish_at <= now)).all()
    published = 0
    for article_id, publish_at in due:
        claimed = session.execute(update(Article).where(Article.id == article_id, Article.publish_at == publish_at)
                                  .values(publish_at=None).execution_options(synchronize_session=False))
        session.commit()
        if claimed.rowcount != 1:
            continue  # another worker took it
        article = session.get(Article, article_id)
        session.refresh(article)
        try:
            publish(article, author="schedule", note=_("published as scheduled"))
        except ArticleError:
            session.rollback()
            log.exception("scheduled publication of article %s failed", article_id)
            continue
        published += 1
    return published


def restore(article: Article, revision: ArticleRevision, *, author: str | None):
    """Bring an old revision back as a new draft (live articles stay live until it is published)."""
    if revision.article_id != article.id:
        raise ArticleError(_("That revision belongs to another article."))
    return _save_content(article, revision_content(revision), status=STATUS_DRAFT, author=author,
                         note=_("restored the revision of %(when)s", when=revision.created_at.strftime("%Y-%m-%d %H:%M")))


def mark_current(article: Article) -> None:
    """A writer checked this translation: the source's latest change needs nothing here."""
    article.outdated_since = None
    session.commit()


def rename(slug: str, new_slug: str, *, author: str | None) -> list[Article]:
    """Give an article (all its translations: they share the slug) a new slug.

    Every language's old URL answers 301 to the new one. Redirects stay flat:
    ones that pointed at the old slug now point at the new one (A→B→C leaves
    A→C and B→C), and a redirect from the new slug itself (renaming back) goes.
    """
    _check_slug(new_slug, "slug", metadata.MAX_SLUG)
    if new_slug == slug:
        return []
    articles = list(session.scalars(select(Article).where(Article.slug == slug)))
    if not articles:
        raise ArticleError(_("There is no article %(slug)s.", slug=slug))
    taken = session.scalar(select(Article.locale).where(Article.slug == new_slug).limit(1))
    if taken:
        raise ArticleError(_("The slug %(slug)s is already used by another article.", slug=new_slug))
    locales = [article.locale for article in articles]
    session.execute(delete(ArticleRedirect).where(ArticleRedirect.old_slug == new_slug,
                                                  ArticleRedirect.locale.in_(locales)))
    session.execute(update(ArticleRedirect).where(ArticleRedirect.new_slug == slug, ArticleRedirect.locale.in_(locales))
                    .values(new_slug=new_slug).execution_options(synchronize_session=False))
    for article in articles:
        session.add(ArticleRedirect(locale=article.locale, old_slug=slug, new_slug=new_slug, created_by=author))
        article.slug = new_slug
        article.updated_at = utcnow()
    session.flush()
    for article in articles:
        signals.article_saved.send(current_app._get_current_object(), session=session, article=article)
    session.commit()
    return articles


def redirect_target(slug: str, locale: str) -> str | None:
    """The slug an old article URL moved to, if it was renamed."""
    return session.scalar(select(ArticleRedirect.new_slug).where(ArticleRedirect.old_slug == slug,
                                                                 ArticleRedirect.locale == locale))


def delete_redirect(redirect_id: int) -> bool:
    redirect = session.get(ArticleRedirect, redirect_id)
    if redirect is None:
        return False
    session.delete(redirect)
    session.commit()
    return True
