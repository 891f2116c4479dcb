"""The rows of ``/staff/insights``: what helps, what fails, what is missing.

Read-only queries over kb (articles, feedback, views), the search log of this
domain and the ticket form's deflection events. Every function takes a
:class:`Period` (last N days, optionally one language) so the page's filters
apply to all of them alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, distinct, exists, func, select
from sqlalchemy.orm import aliased

from portal.db import session, utcnow
from portal.i18n import default_locale
from portal.insights.models import SearchDaily
from portal.kb.feedback import Happiness
from portal.kb.models import (
    RATING_GREAT, RATING_OKAY, RATING_POOR, STATUS_PUBLISHED, Article, ArticleFeedback, ArticleViewDaily,
)
from portal.tickets import analytics
from portal.tickets.models import DeflectionEvent

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
DEFAULT_STALE_MONTHS = 12
ROW_LIMIT = 10
#: An article needs this many answers in the period to be called "least helpful".
MIN_ANSWERS = 3
#: A search must be this frequent before "nobody opened a result" means something.
MIN_UNOPENED_SEARCHES = 2


@dataclass(frozen=True)
class Period:
    """The page's filters: the last ``days`` days, one language or all."""

    days: int = DEFAULT_PERIOD
    locale: str | None = None
    now: datetime | None = None

    @property
    def end(self) -> datetime:
        return self.now or utcnow()

    @property
    def since(self) -> datetime:
        return self.end - timedelta(days=self.days)

    @property
    def first_day(self) -> date:
        """The first whole day counted (day-based tables: views, searches)."""
        return self.end.date() - timedelta(days=self.days - 1)


def _rating_counts():
    return tuple(func.sum(case((ArticleFeedback.rating == value, 1), else_=0))
                 for value in (RATING_GREAT, RATING_OKAY, RATING_POOR))


def least_helpful(period: Period, limit: int = ROW_LIMIT, min_answers: int = MIN_ANSWERS) -> list[dict]:
    """Articles with the lowest Net in the period (at least ``min_answers`` answers), worst first."""
    great, okay, poor = _rating_counts()
    statement = (select(Article, great, okay, poor)
                 .join(ArticleFeedback, ArticleFeedback.article_id == Article.id)
                 .where(ArticleFeedback.created_at >= period.since)
                 .group_by(Article.id)
                 .having(func.count(ArticleFeedback.id) >= min_answers))
    if period.locale:
        statement = statement.where(Article.locale == period.locale)
    rows = [{"article": article, "score": Happiness(int(g or 0), int(o or 0), int(p or 0))}
            for article, g, o, p in session.execute(statement)]
    rows.sort(key=lambda row: (row["score"].net, -row["score"].total, row["article"].title))
    return rows[:limit]


def _search_groups(period: Period):
    searches = func.sum(SearchDaily.searches).label("searches")
    clicks = func.sum(SearchDaily.clicks).label("clicks")
    suggest_clicks = func.sum(SearchDaily.suggest_clicks).label("suggest_clicks")
    most_results = func.max(SearchDaily.results).label("most_results")
    statement = (select(SearchDaily.query, SearchDaily.locale, searches, clicks, suggest_clicks, most_results)
                 .where(SearchDaily.day >= period.first_day)
                 .group_by(SearchDaily.query, SearchDaily.locale))
    if period.locale:
        statement = statement.where(SearchDaily.locale == period.locale)
    return statement, searches, clicks, suggest_clicks, most_results


def _search_rows(statement) -> list[dict]:
    return [{"query": query, "locale": locale, "searches": int(n or 0), "clicks": int(c or 0),
             "suggest_clicks": int(s or 0), "results": int(r or 0),
             "click_rate": (int(c or 0) / int(n)) if n else None}
            for query, locale, n, c, s, r in session.execute(statement)]


def top_searches(period: Period, limit: int = ROW_LIMIT) -> list[dict]:
    """The most frequent searches, with how often a result was opened."""
    statement, searches, *_rest = _search_groups(period)
    return _search_rows(statement.having(searches > 0).order_by(searches.desc(), SearchDaily.query).limit(limit))


def no_result_searches(period: Period, limit: int = ROW_LIMIT) -> list[dict]:
    """Searches that never found anything in the period, most frequent first."""
    statement, searches, _clicks, _suggest, most_results = _search_groups(period)
    return _search_rows(statement.having(and_(searches > 0, most_results == 0))
                        .order_by(searches.desc(), SearchDaily.query).limit(limit))


def unopened_searches(period: Period, limit: int = ROW_LIMIT, min_searches: int = MIN_UNOPENED_SEARCHES) -> list[dict]:
    """Searches that found results nobody opened (results that do not answer), most frequent first."""
    statement, searches, clicks, suggest_clicks, most_results = _search_groups(period)
    return _search_rows(statement.having(and_(searches >= min_searches, most_results > 0,
                                              clicks + suggest_clicks == 0))
                        .order_by(searches.desc(), SearchDaily.query).limit(limit))


def most_read(period: Period, limit: int = ROW_LIMIT) -> list[dict]:
    """Published articles with the most page views in the period."""
    views = func.sum(ArticleViewDaily.views).label("views")
    statement = (select(Article, views).join(ArticleViewDaily, ArticleViewDaily.article_id == Article.id)
                 .where(ArticleViewDaily.day >= period.first_day, Article.status == STATUS_PUBLISHED)
                 .group_by(Article.id).order_by(views.desc(), Article.title).limit(limit))
    if period.locale:
        statement = statement.where(Article.locale == period.locale)
    return [{"article": article, "views": int(count or 0)} for article, count in session.execute(statement)]


def deflecting_articles(period: Period, limit: int = ROW_LIMIT) -> list[dict]:
    """Articles that answered contact attempts on the ticket form, most first.

    *Solved*: "This solved my problem" on the article's suggestion. *Likely*:
    the suggestion was opened and the attempt sent nothing afterwards (the
    same rule as the deflection report, :data:`portal.tickets.analytics.LEFT_AFTER`).
    """
    def per_article(condition):
        statement = (select(DeflectionEvent.article_slug, DeflectionEvent.locale,
                            func.count(distinct(DeflectionEvent.attempt_id)))
                     .where(DeflectionEvent.article_slug.is_not(None), DeflectionEvent.created_at >= period.since,
                            condition)
                     .group_by(DeflectionEvent.article_slug, DeflectionEvent.locale))
        if period.locale:
            statement = statement.where(DeflectionEvent.locale == period.locale)
        return {(slug, locale): int(n) for slug, locale, n in session.execute(statement)}

    later = aliased(DeflectionEvent)
    solved = per_article(DeflectionEvent.event == analytics.SOLVED)
    likely = per_article(and_(
        DeflectionEvent.event == analytics.SUGGESTION_OPENED,
        DeflectionEvent.created_at < period.end - analytics.LEFT_AFTER,
        ~exists().where(and_(later.attempt_id == DeflectionEvent.attempt_id,
                             later.event.in_((analytics.SUBMITTED, analytics.SOLVED))))))
    keys = sorted(set(solved) | set(likely), key=lambda k: (-(solved.get(k, 0) + likely.get(k, 0)), k[0]))[:limit]
    articles = _articles_by_key(keys)
    return [{"slug": slug, "locale": locale, "article": articles.get((slug, locale)),
             "solved": solved.get((slug, locale), 0), "likely": likely.get((slug, locale), 0),
             "total": solved.get((slug, locale), 0) + likely.get((slug, locale), 0)} for slug, locale in keys]


def _articles_by_key(keys) -> dict:
    slugs = {slug for slug, _locale in keys}
    if not slugs:
        return {}
    return {(a.slug, a.locale): a for a in session.scalars(select(Article).where(Article.slug.in_(slugs)))}


def stale_articles(period: Period, months: int = DEFAULT_STALE_MONTHS, limit: int = ROW_LIMIT) -> list[Article]:
    """Published articles not updated for ``months`` months, oldest first."""
    cutoff = period.end - timedelta(days=round(months * 30.44))
    statement = (select(Article).where(Article.status == STATUS_PUBLISHED, Article.updated_at < cutoff)
                 .order_by(Article.updated_at, Article.title).limit(limit))
    if period.locale:
        statement = statement.where(Article.locale == period.locale)
    return list(session.scalars(statement))


def source_locale() -> str:
    return default_locale()


def outdated_translations(period: Period, limit: int = ROW_LIMIT) -> list[dict]:
    """Translations last updated before their source-language article changed.

    The one place that decides "outdated": when the editor records an explicit
    "outdated" flag on articles, this function should read that flag instead.
    """
    source = aliased(Article)
    statement = (select(Article, source)
                 .join(source, and_(source.slug == Article.slug, source.locale == source_locale()))
                 .where(Article.locale != source_locale(), Article.updated_at < source.updated_at)
                 .order_by(source.updated_at.desc(), Article.slug, Article.locale).limit(limit))
    if period.locale:
        statement = statement.where(Article.locale == period.locale)
    return [{"translation": translation, "source": original} for translation, original in session.execute(statement)]
