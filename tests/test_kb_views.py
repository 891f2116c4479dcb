"""Browsing the help center: home, categories, articles, welcome guides
and view counting (feedback: test_kb_feedback.py)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from portal.db import session
from portal.kb import queries, services
from portal.kb.models import ArticleViewDaily

BODY = "Intro text.\n\n## Choose a printer\n\nZebra works.\n\n## Print a test label\n\nPress **Print**."


@pytest.fixture
def content(app):
    with app.app_context():
        services.save_category(slug="shipping", locale="en", title="Shipping and labels",
                               summary="Carriers, labels and printers.", icon="🚚", position=1)
        services.save_category(slug="welcome", locale="en", title="Welcome")
        services.save_article(slug="print-labels", locale="en", title="Print shipping labels", body_md=BODY,
                              category="shipping", tags=["printers", "labels"], position=1)
        services.save_article(slug="print-labels", locale="nl", title="Verzendlabels printen",
                              body_md="Tekst.", category="shipping")
        services.save_article(slug="scanner-setup", locale="en", title="Set up a barcode scanner",
                              body_md="Plug it in.", category="shipping", tags=["printers"], position=2)
        services.save_article(slug="unrelated", locale="en", title="Alpha unrelated", body_md="x",
                              category="shipping")
        services.save_article(slug="secret-plans", locale="en", title="Secret draft", body_md="Not yet.",
                              category="shipping", status="draft")
        for order, (slug, title) in enumerate([("connect-shop", "Connect your webshop"),
                                               ("connect-carriers", "Connect carriers"),
                                               ("check-imports", "Check that imports worked")], 1):
            services.save_article(slug=slug, locale="en", title=title, body_md=f"Step {order}.",
                                  category="welcome", position=order)
    return app


def page_text(response) -> str:
    return response.get_data(as_text=True)


def test_home_has_search_categories_and_welcome(client, content):
    html = page_text(client.get("/en/"))
    assert re.search(r'<form[^>]*role="search"[^>]*>|<form[^>]*action="/en/search"', html)
    assert 'name="q"' in html
    assert 'href="/en/categories/shipping"' in html and "Shipping and labels" in html
    assert "3 articles" in html  # published only: the draft is not counted
    assert 'href="/en/welcome"' in html and "New here? Getting started" in html
    assert 'href="/en/categories/welcome"' not in html  # the welcome guides have their own page


def test_category_lists_published_articles_in_order(client, content):
    html = page_text(client.get("/en/categories/shipping"))
    titles = re.findall(r'class="kb-article-link" href="/en/articles/([\w-]+)"', html)
    assert titles == ["print-labels", "scanner-setup", "unrelated"]  # order first, then title
    assert "Secret draft" not in html
    assert client.get("/en/categories/no-such-thing").status_code == 404
    assert client.get("/de/categories/shipping").status_code == 404


def test_category_pagination(client, content, monkeypatch):
    monkeypatch.setattr(queries, "CATEGORY_PAGE_SIZE", 2)
    first = page_text(client.get("/en/categories/shipping"))
    assert "Page 1 of 2" in first and 'href="/en/categories/shipping?page=2"' in first
    second = page_text(client.get("/en/categories/shipping?page=2"))
    assert re.findall(r'href="/en/articles/([\w-]+)"', second)[:1] == ["unrelated"]
    assert client.get("/en/categories/shipping?page=99").status_code == 200  # clamped to the last page


def test_article_page(client, content):
    response = client.get("/en/articles/print-labels")
    html = page_text(response)
    assert response.status_code == 200
    breadcrumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    assert 'href="/en/"' in breadcrumbs and 'href="/en/categories/shipping"' in breadcrumbs
    assert '<h1 id="kb-article-title">Print shipping labels</h1>' in html
    assert '<a href="#choose-a-printer">Choose a printer</a>' in html  # table of contents
    assert '<h2 id="choose-a-printer">' in html
    assert '<link rel="alternate" hreflang="nl" href="http://portal.test/nl/articles/print-labels">' in html
    assert 'href="/nl/articles/print-labels" hreflang="nl"' in html  # visible translation link
    related = re.search(r'class="kb-related".*?</section>', html, re.S).group(0)
    assert re.findall(r'href="/en/articles/([\w-]+)"', related)[0] == "scanner-setup"  # shared tag first
    assert "secret-plans" not in related
    assert "<time datetime=" in html and 'href="/en/contact/"' in html
    assert 'action="/en/articles/print-labels/feedback"' in html and "data-kb-print" in html


def test_last_updated_date_is_localized(client, content):
    html = page_text(client.get("/nl/articles/print-labels"))
    months = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
              "oktober", "november", "december")
    shown = re.search(r"<time[^>]*>([^<]+)</time>", html).group(1)
    assert any(month in shown for month in months), shown


def test_article_in_another_language_is_a_404_listing_languages(client, content):
    response = client.get("/de/articles/print-labels")
    html = page_text(response)
    assert response.status_code == 404
    assert 'href="/en/articles/print-labels"' in html and 'href="/nl/articles/print-labels"' in html
    assert client.get("/en/articles/never-written").status_code == 404


def test_drafts_are_never_shown(client, content):
    assert client.get("/en/articles/secret-plans").status_code == 404
    assert "Secret draft" not in page_text(client.get("/de/articles/secret-plans"))
    assert "Secret draft" not in page_text(client.get("/en/"))


def test_welcome_checklist_and_steps(client, content):
    html = page_text(client.get("/en/welcome"))
    steps = re.search(r'<ol class="kb-steps">.*?</ol>', html, re.S).group(0)
    assert re.findall(r'href="/en/articles/([\w-]+)"', steps) == ["connect-shop", "connect-carriers", "check-imports"]
    assert "data-kb-check" in steps and "hidden" in steps  # checkboxes only appear with JavaScript
    middle = page_text(client.get("/en/articles/connect-carriers"))
    assert "Step 2 of 3" in middle
    assert 'rel="prev" href="/en/articles/connect-shop"' in middle
    assert 'rel="next" href="/en/articles/check-imports"' in middle
    assert 'data-kb-done="connect-carriers"' in middle
    assert "kb-step-label" not in page_text(client.get("/en/articles/scanner-setup"))  # not a welcome guide


def test_views_are_counted_per_day_and_feed_most_read(client, content, app):
    with time_machine.travel(datetime(2026, 3, 1, 10, tzinfo=timezone.utc), tick=False):
        client.get("/en/articles/scanner-setup")
        client.get("/en/articles/scanner-setup")
        client.get("/en/articles/print-labels", headers={"User-Agent": "Googlebot/2.1"})  # bots do not count
        home = page_text(client.get("/en/"))
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=timezone.utc), tick=False):
        client.get("/en/articles/scanner-setup")
    with app.app_context():
        rows = session.execute(select(ArticleViewDaily.day, ArticleViewDaily.views)
                               .order_by(ArticleViewDaily.day)).all()
    assert [(day.isoformat(), views) for day, views in rows] == [("2026-03-01", 2), ("2026-03-02", 1)]
    most_read = re.search(r'class="kb-popular".*?</section>', home, re.S).group(0)
    assert "Most read" in most_read and re.findall(r'href="/en/articles/([\w-]+)"', most_read) == ["scanner-setup"]


def test_save_article_keeps_revisions_only_for_content_changes(app):
    with app.app_context():
        article, outcome = services.save_article(slug="a", locale="en", title="A", body_md="one")
        assert outcome == "created"
        _, outcome = services.save_article(slug="a", locale="en", title="A", body_md="one")
        assert outcome == "unchanged"
        _, outcome = services.save_article(slug="a", locale="en", title="A", body_md="two", author="w@example.com")
        assert outcome == "updated" and [r.body_md for r in article.revisions] == ["one", "two"]
        assert article.revisions[-1].author == "w@example.com"
        with pytest.raises(services.ArticleError, match="status must be draft or published"):
            services.save_article(slug="a", locale="en", title="A", body_md="x", status="live")
        with pytest.raises(services.ArticleError, match="lowercase letters"):
            services.save_article(slug="Bad Slug", locale="en", title="A", body_md="x")


def test_article_saved_signal_is_sent_inside_the_transaction(app):
    from portal import signals

    seen = []

    def listener(sender, session, article):
        seen.append((article.slug, session.in_transaction()))

    signals.article_saved.connect(listener)
    try:
        with app.app_context():
            services.save_article(slug="s", locale="en", title="S", body_md="x")
            services.save_article(slug="s", locale="en", title="S", body_md="x")  # unchanged: no signal
    finally:
        signals.article_saved.disconnect(listener)
    assert seen == [("s", True)]
