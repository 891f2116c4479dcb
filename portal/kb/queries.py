"""What the help center pages read: categories, articles, translations, steps.

Read-only; every write goes through :mod:`portal.kb.services`. Readers only
ever see published, public articles (``Article.is_customer_visible``): drafts
and internal articles are filtered here, in one place.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import load_only

from portal.db import session, utcnow
from portal.pagination import Page, paginate
from portal.kb.models import (
    STATUS_PUBLISHED, WELCOME_CATEGORY, Article, ArticleViewDaily, Category,
)

CATEGORY_PAGE_SIZE = 30
MOST_READ_DAYS = 90
#: How many same-category articles "related articles" considers at most.
RELATED_CANDIDATES = 60
RELATED_TITLE_WORDS = 5
_WORD = re.compile(r"\w{4,}")


def _published(locale: str):
    return select(Article).where(Article.locale == locale, Article.is_customer_visible)


def _ordered(statement):
    # Articles with an explicit order first, by that order; the rest by title.
    return statement.order_by(Article.position.is_(None), Article.position, Article.title)


@dataclass
class CategoryCard:
    category: Category
    article_count: int


def categories_with_articles(locale: str, *, include_welcome: bool = False) -> list[CategoryCard]:
    """Categories of a language that have published articles, in their order."""
    counts = (select(Article.category_slug, func.count(Article.id))
              .where(Article.locale == locale, Article.is_customer_visible)
              .group_by(Article.category_slug))
    count_by_slug = dict(session.execute(counts).all())
    if not include_welcome:
        count_by_slug.pop(WELCOME_CATEGORY, None)
    if not count_by_slug:
        return []
    categories = session.scalars(
        select(Category).where(Category.locale == locale, Category.slug.in_(list(count_by_slug)))
        .order_by(Category.position, Category.title))
    return [CategoryCard(category, count_by_slug[category.slug]) for category in categories]


def category(slug: str, locale: str) -> Category | None:
    return session.scalar(select(Category).where(Category.slug == slug, Category.locale == locale))


def category_articles(slug: str, locale: str, page: int = 1, per_page: int | None = None) -> Page:
    """One page of a category's published articles, by order then title."""
    return paginate(session, _ordered(_published(locale).where(Article.category_slug == slug)),
                    page, per_page or CATEGORY_PAGE_SIZE)


def published_article(slug: str, locale: str, *, include_internal: bool = False) -> Article | None:
    """The article customers read; ``include_internal`` adds staff-only articles (for signed-in staff)."""
    if include_internal:
        return session.scalar(select(Article).where(
            Article.locale == locale, Article.slug == slug, Article.status == STATUS_PUBLISHED))
    return session.scalar(_published(locale).where(Article.slug == slug))


def article_locales(slug: str) -> list[str]:
    """Languages an article is published in (same slug = same article)."""
    return list(session.scalars(select(Article.locale).where(
        Article.slug == slug, Article.is_customer_visible).order_by(Article.locale)))


def translations(article: Article) -> list[Article]:
    """The same article in the other languages, published only."""
    return list(session.scalars(select(Article).where(
        Article.slug == article.slug, Article.locale != article.locale, Article.is_customer_visible)
        .order_by(Article.locale)))


def related_articles(article: Article, limit: int = 5) -> list[Article]:
    """Same language and category, best first: shared tags, then shared title words.

    In a big category (thousands of imported articles) only articles whose
    title shares a word are considered, so the list stays relevant and cheap.
    """
    tags = set(article.tags or [])
    words = set(_WORD.findall(article.title.lower()))
    # Only what the list shows and the ranking needs: loading whole rows (three
    # bodies and JSON each) of hundreds of candidates made this most of an
    # article page's time on a big imported category.
    same_category = _published(article.locale).where(
        Article.category_slug == article.category_slug, Article.id != article.id
    ).options(load_only(Article.id, Article.slug, Article.locale, Article.title, Article.tags,
                        Article.position, Article.category_slug))
    longest = sorted(words, key=len, reverse=True)[:RELATED_TITLE_WORDS]
    candidates = list(session.scalars(_ordered(same_category.where(
        or_(*(Article.title.ilike(f"%{word}%") for word in longest)))).limit(RELATED_CANDIDATES))) if longest else []
    if tags or len(candidates) < limit:
        # tags can relate articles whose titles share nothing; else only fill up
        seen = {other.id for other in candidates}
        candidates += [other for other in session.scalars(_ordered(same_category).limit(RELATED_CANDIDATES))
                       if other.id not in seen]

    def score(other: Article) -> tuple[int, int]:
        return (len(tags & set(other.tags or [])), len(words & set(_WORD.findall(other.title.lower()))))

    ranked = sorted(candidates, key=score, reverse=True)  # stable: ties keep the category order
    return ranked[:limit]


def most_read(locale: str, limit: int = 6, days: int = MOST_READ_DAYS) -> list[Article]:
    """Published articles of a language with the most views in the last ``days``."""
    since = utcnow().date() - timedelta(days=days)
    totals = (select(ArticleViewDaily.article_id, func.sum(ArticleViewDaily.views).label("total"))
              .where(ArticleViewDaily.day >= since).group_by(ArticleViewDaily.article_id).subquery())
    statement = (select(Article).join(totals, totals.c.article_id == Article.id)
                 .where(Article.locale == locale, Article.is_customer_visible)
                 .order_by(totals.c.total.desc(), Article.title).limit(limit))
    return list(session.scalars(statement))


def recently_updated(locale: str, limit: int = 6) -> list[Article]:
    return list(session.scalars(_published(locale).order_by(Article.updated_at.desc(), Article.title).limit(limit)))


def welcome_steps(locale: str) -> list[Article]:
    """The onboarding guides of a language, in step order."""
    return list(session.scalars(_ordered(_published(locale).where(Article.category_slug == WELCOME_CATEGORY))))
