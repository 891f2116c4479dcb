"""/staff/insights on seeded data: content gaps, helpful and unhelpful articles,
deflection per article, stale and outdated content, the charts; the search log
and its cookie-free click beacon."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from portal.db import session
from portal.insights import report, services as insights
from portal.insights.models import SearchDaily
from portal.kb import feedback, services
from portal.kb.models import Article, ArticleViewDaily
from portal.tickets.models import DeflectionEvent, Ticket

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)  # a Thursday


def _article(slug, locale, title, updated_at):
    article, _ = services.save_article(slug=slug, locale=locale, title=title, body_md="Text.", category="shipping")
    article.updated_at = updated_at
    session.commit()
    return article


def _ticket(number, created_at, locale="en"):
    ref = f"T-2026-{number:06d}"
    session.add(Ticket(reference=ref, public_token=ref, form_slug="technical", locale=locale,
                       email=f"c{number}@example.com", subject="Help", created_at=created_at))


def _event(attempt, name, slug=None, minutes_ago=60, locale="en"):
    session.add(DeflectionEvent(attempt_id=attempt, event=name, form_slug="technical", locale=locale,
                                article_slug=slug, created_at=NOW - timedelta(minutes=minutes_ago)))


@pytest.fixture
def seeded(app):
    with time_machine.travel(NOW, tick=False), app.app_context():
        stale = _article("returns", "en", "Returns", NOW - timedelta(days=500))
        labels = _article("labels", "en", "Print labels", NOW - timedelta(days=3))
        dutch = _article("labels", "nl", "Labels printen", NOW - timedelta(days=10))  # older than its source
        _article("scanner", "en", "Scanner", NOW - timedelta(days=1))
        _article("scanner", "nl", "Scanner", NOW)  # newer than its source: up to date
        for rating in ("poor", "poor", "poor", "great"):
            feedback.record_rating(stale, rating)
        for rating in ("great", "great", "great"):
            feedback.record_rating(labels, rating)
        feedback.record_rating(dutch, "poor")  # a single answer: too few to judge
        session.add_all([ArticleViewDaily(article_id=labels.id, day=NOW.date(), views=10),
                         ArticleViewDaily(article_id=stale.id, day=NOW.date() - timedelta(days=2), views=3),
                         ArticleViewDaily(article_id=stale.id, day=NOW.date() - timedelta(days=60), views=99)])
        for _ in range(5):
            insights.record_search("Return  LABEL", "en", 3)
        for _ in range(4):
            insights.record_search("invoice pdf", "en", 0)
        for _ in range(6):
            insights.record_search("print", "en", 2)
        insights.record_search("mail me at jan@example.com", "en", 0)
        for _ in range(2):
            insights.record_click({"query": "print", "locale": "en", "source": "search"})
        insights.record_search("etiket", "nl", 1)
        insights.record_search("etiket", "nl", 1)
        insights.record_click({"query": "etiket", "locale": "nl", "source": "suggest"})
        _event("attempt-1", "suggestion_opened", "labels")
        _event("attempt-1", "solved", "labels")
        _event("attempt-2", "suggestion_opened", "labels", minutes_ago=90)
        _event("attempt-3", "suggestion_opened", "returns", minutes_ago=120)
        _event("attempt-3", "submitted")
        _event("attempt-4", "suggestion_opened", "returns", minutes_ago=5)  # may still send a ticket
        _ticket(1, datetime(2026, 12, 3, 12, 30, tzinfo=timezone.utc) - timedelta(days=7))  # Thu 13:30 Amsterdam
        _ticket(2, datetime(2026, 12, 3, 12, 45, tzinfo=timezone.utc) - timedelta(days=7))
        _ticket(3, datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc), locale="nl")
        session.commit()
    return app


def test_rows_on_seeded_data(seeded):
    with time_machine.travel(NOW, tick=False), seeded.app_context():
        period = report.Period(days=30)
        assert [(r["article"].slug, r["score"].net) for r in report.least_helpful(period)] == [
            ("returns", -50), ("labels", 100)]
        assert [r["query"] for r in report.no_result_searches(period)] == ["invoice pdf", "mail me at [email]"]
        assert [(r["query"], r["searches"]) for r in report.unopened_searches(period)] == [("return label", 5)]
        top = report.top_searches(period)
        assert [(r["query"], r["searches"], r["clicks"]) for r in top[:3]] == [
            ("print", 6, 2), ("return label", 5, 0), ("invoice pdf", 4, 0)]
        assert [(r["article"].slug, r["views"]) for r in report.most_read(period)] == [("labels", 10), ("returns", 3)]
        assert [(r["slug"], r["solved"], r["likely"]) for r in report.deflecting_articles(period)] == [
            ("labels", 1, 1)]
        assert [a.slug for a in report.stale_articles(period, months=12)] == ["returns"]
        assert report.stale_articles(period, months=24) == []
        assert [(r["translation"].locale, r["translation"].slug) for r in report.outdated_translations(period)] == [
            ("nl", "labels")]

        dutch = report.Period(days=30, locale="nl")
        assert [r["query"] for r in report.top_searches(dutch)] == ["etiket"]
        assert report.unopened_searches(dutch) == []  # its suggestion was opened
        assert report.least_helpful(dutch) == []


def test_personal_data_never_reaches_the_search_log(seeded):
    with seeded.app_context():
        assert "jan@example.com" not in " ".join(session.scalars(select(SearchDaily.query)))
        assert set(SearchDaily.__table__.columns.keys()) == {
            "id", "day", "locale", "query", "searches", "results", "clicks", "suggest_clicks"}


def test_insights_page_shows_rows_links_and_accessible_charts(seeded, client, staff, login):
    with time_machine.travel(NOW, tick=False):
        login(client, staff("writer"))
        page = client.get("/staff/insights/?days=30").get_data(as_text=True)
        dutch = client.get("/staff/insights/?days=7&locale=nl").get_data(as_text=True)
    assert "Least helpful articles" in page and "Returns" in page
    assert 'href="/staff/articles/new?title=invoice+pdf&amp;locale=en"' in page  # write an article for this search
    with seeded.app_context():
        returns = session.scalar(select(Article.id).where(Article.slug == "returns", Article.locale == "en"))
    assert f'href="/staff/articles/{returns}/edit"' in page
    svgs = [chunk.split("</svg>")[0] + "</svg>" for chunk in page.split("<svg")[1:]]
    charts = [ET.fromstring("<svg" + s) for s in svgs if 'role="img"' in s.split(">")[0]]
    titles = [c.find("{http://www.w3.org/2000/svg}title").text for c in charts]
    assert titles == ["Searches per day", "Happiness per week (share of “great”)",
                      "Tickets and deflections per week", "Tickets by weekday and hour"]
    assert "busiest hour was Thursday 13:00–14:00 (2)" in page  # support time zone (Amsterdam)
    assert "Show the figures as a table" in page
    assert "etiket" in dutch and "invoice pdf" not in dutch


def test_insights_are_for_writers(client, staff, login):
    assert client.get("/staff/insights/").status_code in (302, 401)
    login(client, staff("operator"))
    assert client.get("/staff/insights/").status_code == 403


def test_search_page_counts_searches_and_the_beacon_counts_clicks(app, client):
    with app.app_context():
        services.save_article(slug="labels", locale="en", title="Print shipping labels", body_md="Labels.")
    client.get("/en/search?q=shipping+labels")
    client.get("/en/search?q=shipping+labels&page=2")  # paging is not a new search
    client.get("/en/search?q=zzzqqq")
    client.get("/en/search?q=shipping+labels", headers={"User-Agent": "Googlebot/2.1"})
    beacon = client.post("/api/v1/search-clicks", json={"query": "Shipping labels", "locale": "en", "source": "search"})
    assert beacon.status_code == 204 and "Set-Cookie" not in beacon.headers
    assert client.post("/api/v1/search-clicks", json={"query": "x", "locale": "xx", "source": "search"}
                       ).status_code == 400
    assert client.post("/api/v1/search-clicks", data="not json").status_code == 400
    assert client.post("/api/v1/search-clicks", json={"query": "x", "locale": "en", "source": "ads"}
                       ).status_code == 400
    with app.app_context():
        found = {(r.query, r.searches, r.results, r.clicks) for r in session.scalars(select(SearchDaily))}
    assert found == {("shipping labels", 1, 1, 1), ("zzzqqq", 1, 0, 0)}


def test_click_beacon_is_rate_limited_and_needs_no_csrf_token(make_app):
    client = make_app(RATELIMIT_ENABLED=True, INSIGHTS_CLICK_RATE_LIMIT="3 per minute",
                      WTF_CSRF_ENABLED=True).test_client()
    codes = [client.post("/api/v1/search-clicks", json={"query": "q", "locale": "en", "source": "suggest"}
                         ).status_code for _ in range(4)]
    assert codes == [204, 204, 204, 429]
