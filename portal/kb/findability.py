"""Findability for search engines: ``/sitemap.xml``, ``/robots.txt`` and canonical links.

The sitemap lists what customers may read (``Article.is_customer_visible``):
published, public articles and the categories that have them, in every
language, with ``lastmod`` and ``hreflang`` alternates between translations.
Absolute URLs are built on ``SITE_URL`` (the public address), not on whatever
host a request came in on.
"""
from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, Response, current_app, render_template, request, url_for
from sqlalchemy import func, select

from portal.db import session
from portal.kb.models import Article, Category

bp = Blueprint("kb_findability", __name__)


def absolute_url(path: str) -> str:
    """``/en/articles/x`` on the public address of the site."""
    return current_app.config["SITE_URL"].rstrip("/") + path


def canonical_url(path: str | None = None) -> str:
    """The canonical address of this page: the public address, without query string."""
    return absolute_url(path if path is not None else request.path)


def _entries(rows, endpoint: str) -> list[dict]:
    """Sitemap entries of ``(slug, locale, lastmod)`` rows ordered by slug: each
    language version, with its translations as hreflang alternates."""
    by_slug: dict[str, list] = defaultdict(list)
    for slug, locale, lastmod in rows:
        by_slug[slug].append((locale, lastmod, absolute_url(url_for(endpoint, lang=locale, slug=slug))))
    entries = []
    for versions in by_slug.values():
        alternates = [(locale, url) for locale, _lastmod, url in versions] if len(versions) > 1 else []
        entries.extend({"loc": url, "lastmod": lastmod, "alternates": alternates}
                       for _locale, lastmod, url in versions)
    return entries


def _article_entries() -> list[dict]:
    rows = session.execute(select(Article.slug, Article.locale, Article.updated_at)
                           .where(Article.is_customer_visible).order_by(Article.slug, Article.locale)).all()
    return _entries(rows, "kb.article")


def _category_entries() -> list[dict]:
    newest = (select(Article.category_slug, Article.locale, func.max(Article.updated_at).label("lastmod"))
              .where(Article.is_customer_visible).group_by(Article.category_slug, Article.locale).subquery())
    rows = session.execute(
        select(Category.slug, Category.locale, newest.c.lastmod)
        .join(newest, (newest.c.category_slug == Category.slug) & (newest.c.locale == Category.locale))
        .order_by(Category.slug, Category.locale)).all()
    return _entries(rows, "kb.category")


@bp.get("/sitemap.xml")
def sitemap():
    xml = render_template("kb/sitemap.xml", entries=_category_entries() + _article_entries())
    return Response(xml, mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *", "Disallow: /staff/", "Disallow: /api/", "",
             f"Sitemap: {absolute_url(url_for('kb_findability.sitemap'))}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


def init_app(app) -> None:
    """Offer ``canonical_url()`` to every template (the base layout links it)."""
    app.jinja_env.globals.setdefault("canonical_url", canonical_url)
