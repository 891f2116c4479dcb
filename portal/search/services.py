"""Search services: full search, as-you-type suggestions, index maintenance,
and the record of queries that found nothing.

Everything goes through the app's one :class:`~portal.search.index.SearchIndex`
(``app.extensions["portal.search"]``). Views and the API call these functions
and never touch Whoosh.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from flask import current_app, has_request_context, request
from markupsafe import Markup, escape
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from whoosh.highlight import ContextFragmenter, HtmlFormatter
from whoosh.query import NullQuery, Term

from portal.db import session, utcnow
from portal.pagination import PageLinks, page_count
from portal.search.analysis import all_languages
from portal.search.index import CheckReport, RebuildReport, SearchIndex
from portal.search.longtext import ticket_parts
from portal.search.models import MAX_QUERY_CHARS as MAX_LOGGED_CHARS
from portal.search.models import NoResultQuery
from portal.search.querying import (
    MAX_QUERY_CHARS,
    article_query,
    normalize,
    spelling_suggestion,
    top_documents,
    without_any_stop_words,
)
from portal.search.schema import ARTICLE_TEXT, CATEGORY, CONTENT, LOCALE, SLUG, SUMMARY, TITLE, lang_field

#: Characters of plain text shown under a suggestion.
SUGGEST_SNIPPET_CHARS = 160
MAX_SUGGEST_LIMIT = 20
MAX_PER_PAGE = 50
#: Below this many results the search page also counts matches in other languages.
FEW_RESULTS = 3

_formatter = HtmlFormatter(tagname="mark", between=" … ")


class SearchError(ValueError):
    """A search request that cannot be answered (e.g. an unknown language)."""


def get_index() -> SearchIndex:
    return current_app.extensions["portal.search"]


def article_url(locale: str, slug: str) -> str:
    """``/<lang>/articles/<slug>`` (kb's article page), below the app's mount point."""
    root = request.script_root if has_request_context() else ""
    return f"{root}/{locale}/articles/{quote(slug)}"


def _check_locale(locale: str | None) -> None:
    if locale is not None and locale not in all_languages():
        raise SearchError(f"unknown language {locale!r} (use one of {', '.join(all_languages())})")


def _plain_snippet(fields: dict) -> str:
    text = fields.get(SUMMARY) or fields.get(CONTENT) or ""
    text = " ".join(text[:SUGGEST_SNIPPET_CHARS * 2].split())  # bodies can be long: cut first
    if len(text) <= SUGGEST_SNIPPET_CHARS:
        return text
    cut = text.rfind(" ", 0, SUGGEST_SNIPPET_CHARS)
    return text[:cut if cut > 40 else SUGGEST_SNIPPET_CHARS].rstrip(",.;:") + "…"


# -- as-you-type -------------------------------------------------------------

def suggest(query: str | None = None, locale: str | None = None, limit: int = 5, *,
            subject: str | None = None, description: str | None = None) -> list[dict]:
    """The best articles for text being typed (the last word may be cut mid-word).

    Either a ``query`` (a search box) or a ticket's ``subject`` and
    ``description`` (the ticket form; the subject weighs more, greetings and
    pasted stack traces little, rare words most: see ``longtext.py``); any
    length, beyond ``longtext.MAX_TEXT_CHARS`` per part the beginning is used.
    The word being typed is the end of the last part given.

    Returns dicts ``slug, title, url, snippet, score, locale``, best first;
    ``locale=None`` searches every language.
    """
    _check_locale(locale)
    limit = max(1, min(int(limit), MAX_SUGGEST_LIMIT))
    parts = ticket_parts(query, subject, description)
    if not any(part.text.strip() for part in parts):
        return []
    langs = (locale,) if locale else all_languages()
    searcher = get_index().searcher()
    found = []
    for score, docnum in top_documents(searcher, parts, langs, limit, as_you_type=True):
        fields = searcher.stored_fields(docnum)
        found.append({
            "slug": fields[SLUG],
            "title": fields[TITLE],
            "url": article_url(fields[LOCALE], fields[SLUG]),
            "snippet": _plain_snippet(fields),
            "score": round(score, 4),
            "locale": fields[LOCALE],
        })
    return found


# -- the search page ---------------------------------------------------------

@dataclass
class SearchPage(PageLinks):
    """One page of search results, ready for a template."""

    query: str
    locale: str
    page: int
    per_page: int
    total: int = 0
    hits: list[dict] = field(default_factory=list)
    #: A corrected query from the index's vocabulary ("did you mean"), or None.
    suggestion: str | None = None
    #: {locale: number of matches} in other languages, when this one has few.
    other_locales: dict[str, int] = field(default_factory=dict)
    category: str | None = None

    # what the pagination macro reads (portal.pagination.Page); a page past
    # the last is not clamped here: the view answers it with a 404
    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def number(self) -> int:
        return self.page


def search(query: str, locale: str, page: int = 1, per_page: int = 10, category: str | None = None) -> SearchPage:
    """Search ``locale``'s articles: BM25F ranking, ``<mark>``-highlighted snippets,
    a "did you mean" from the index's vocabulary, and counts of matches in
    other languages when this one has few."""
    _check_locale(locale)
    if locale is None:
        raise SearchError("a language is required")
    text = normalize(query)
    page = max(1, int(page))
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    result = SearchPage(query=text, locale=locale, page=page, per_page=per_page, category=category or None)
    if not text:
        return result
    searcher = get_index().searcher()
    whoosh_query = article_query(searcher, text, locale)
    if whoosh_query is not NullQuery:
        # Not searcher.search_page(filter=...): Whoosh counts a filtered search's
        # total before filtering ("24 articles found, page 1 of 3" with one match),
        # so the page is cut from the top hits and a filter counts its own matches.
        category_filter = Term(CATEGORY, category) if category else None
        results = searcher.search(whoosh_query, limit=page * per_page, filter=category_filter, terms=True)
        results.fragmenter = ContextFragmenter(maxchars=240, surround=70)
        results.formatter = _formatter
        result.total = _count_in_category(searcher, whoosh_query, category) if category else len(results)
        body_field = lang_field(ARTICLE_TEXT, locale)
        for hit in results[(page - 1) * per_page:page * per_page]:
            fields = hit.fields()
            highlighted = hit.highlights(body_field, text=fields.get(CONTENT) or "", top=2)
            result.hits.append({
                "slug": fields[SLUG],
                "title": fields[TITLE],
                "url": article_url(fields[LOCALE], fields[SLUG]),
                # Whoosh's HtmlFormatter escapes the text around the <mark>s.
                "snippet": Markup(highlighted) if highlighted else escape(_plain_snippet(fields)),
                "score": round(hit.score, 4),
                "locale": fields[LOCALE],
                "category": fields.get(CATEGORY) or None,
            })
    if result.total < FEW_RESULTS and page == 1:
        result.suggestion = spelling_suggestion(searcher, text, locale)
        for other in all_languages():
            if other == locale:
                continue
            # the page language's stop words must not count as rare words of another
            other_query = article_query(
                searcher, without_any_stop_words(text, (locale, other), as_you_type=False), other)
            if other_query is not NullQuery:
                count = len(searcher.search(other_query, limit=1, optimize=False))
                if count:
                    result.other_locales[other] = count
    return result


def _count_in_category(searcher, whoosh_query, category: str) -> int:
    """How many documents match ``whoosh_query`` within ``category`` (unscored)."""
    in_category = set(searcher.docs_for_query(Term(CATEGORY, category)))
    if not in_category:
        return 0
    return sum(1 for docnum in searcher.docs_for_query(whoosh_query) if docnum in in_category)


# -- index maintenance (CLI and tests) --------------------------------------

def rebuild_index() -> RebuildReport:
    """Build a complete index aside and swap it in."""
    return get_index().rebuild()


def check_index() -> CheckReport:
    """Where index and database disagree (missing, stale, orphaned ids)."""
    return get_index().check()


def deferred_indexing():
    """``with deferred_indexing(): ...``: index this thread's commits once at the end
    (for bulk imports that commit per file)."""
    from portal.search.sync import deferred_indexing as deferred

    return deferred(get_index())


def get_follower():
    """This server's change-log follower (see follower.py)."""
    return current_app.extensions["portal.search.follower"]


def index_lags() -> dict:
    """The log's head and every server's position and lag (``portal index check``, ``/readyz``, ``/metrics``)."""
    from portal.search import changes
    from portal.search.follower import positions

    head = changes.head(session)
    me = get_follower().server_id
    now = utcnow()
    servers = [{"server_id": row.server_id, "position": row.position, "lag": changes.count_after(session, row.position),
                "state": row.state, "this_server": row.server_id == me,
                "seconds_ago": max(0.0, (now - row.updated_at).total_seconds())} for row in positions(session)]
    session.rollback()
    return {"head": head, "servers": servers}


def local_lag() -> int | None:
    """How many changes this server's index is behind the log (None before it ever followed)."""
    from portal.search import changes
    from portal.search.follower import read_position

    position = read_position(get_index().root)
    if position is None:
        return None
    lag = changes.count_after(session, position)
    session.rollback()
    return lag


def update_index() -> CheckReport:
    """Fix what :func:`check_index` finds; returns what it fixed."""
    return get_index().update()


# -- queries that found nothing ---------------------------------------------

def normalize_logged_query(query: str) -> str:
    return " ".join((query or "").lower().split())[:min(MAX_LOGGED_CHARS, MAX_QUERY_CHARS)]


def record_no_results(query: str, locale: str) -> None:
    """Count one search that found nothing (aggregated per query and language)."""
    text = normalize_logged_query(query)
    if not text or locale not in all_languages():
        return
    now = utcnow()

    def bump() -> int:
        return session.execute(
            update(NoResultQuery)
            .where(NoResultQuery.query == text, NoResultQuery.locale == locale)
            .values(count=NoResultQuery.count + 1, last_seen=now)
        ).rowcount

    if not bump():
        try:
            with session.begin_nested():
                session.add(NoResultQuery(query=text, locale=locale, count=1, first_seen=now, last_seen=now))
        except IntegrityError:  # another request inserted it first
            bump()
    session.commit()


def frequent_no_result_queries(locale: str | None = None, limit: int = 100) -> list[NoResultQuery]:
    """The most frequent queries that found nothing, most asked first."""
    stmt = select(NoResultQuery).order_by(NoResultQuery.count.desc(), NoResultQuery.last_seen.desc()).limit(limit)
    if locale:
        stmt = stmt.where(NoResultQuery.locale == locale)
    return list(session.scalars(stmt))


def dismiss_no_result_query(query_id: int) -> bool:
    """Forget a recorded query (a writer has written the missing article)."""
    row = session.get(NoResultQuery, query_id)
    if row is None:
        return False
    session.delete(row)
    session.commit()
    return True


def popular_categories(locale: str, limit: int = 6) -> list[dict]:
    """The categories of ``locale`` with the most published articles (for the no-results page)."""
    from sqlalchemy import func

    from portal.kb.models import WELCOME_CATEGORY, Article, Category

    articles = func.count(Article.id)
    rows = session.execute(
        select(Category.slug, Category.title, articles.label("articles"))
        .join(Article, (Article.category_slug == Category.slug) & (Article.locale == Category.locale))
        .where(Category.locale == locale, Article.is_customer_visible, Category.slug != WELCOME_CATEGORY)
        .group_by(Category.slug, Category.title)
        .order_by(articles.desc(), Category.title)
        .limit(limit)).all()
    root = request.script_root if has_request_context() else ""
    return [{"slug": r.slug, "title": r.title, "articles": r.articles,
             "url": f"{root}/{locale}/categories/{quote(r.slug)}"} for r in rows]


def category_choices(locale: str) -> list[tuple[str, str]]:
    """(slug, title) of ``locale``'s categories with articles customers may see, for the search page's filter."""
    from portal.kb.models import Article, Category

    visible = select(Article.id).where(Article.category_slug == Category.slug, Article.locale == Category.locale,
                                       Article.is_customer_visible).exists()
    return [(r.slug, r.title) for r in session.execute(
        select(Category.slug, Category.title).where(Category.locale == locale, visible).order_by(Category.title))]
