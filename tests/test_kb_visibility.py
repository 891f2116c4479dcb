"""Internal (staff-only) articles never reach customers; sitemap, robots.txt, canonical links."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from portal.db import session
from portal.kb import services

SECRET = "zebracrossing"  # a word only the internal article contains
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


@pytest.fixture
def content(app):
    with app.app_context():
        services.save_article(slug="public-one", locale="en", title="Printing labels", body_md="Public text.",
                              category="shipping")
        services.save_article(slug="public-one", locale="nl", title="Labels printen", body_md="Openbare tekst.",
                              category="shipping")
        services.save_article(slug="internal-one", locale="en", title=f"Refund override {SECRET}",
                              body_md=f"Staff only: {SECRET} procedure.", category="secret-ops",
                              questions=[f"how to {SECRET}"], visibility="internal")
        services.save_article(slug="internal-welcome", locale="en", title=f"Welcome {SECRET}", body_md=SECRET,
                              category="welcome", position=1, visibility="internal")
        services.save_article(slug="a-draft", locale="en", title="Draft", body_md="x", status="draft")


def test_internal_articles_never_reach_customers(app, client, content):
    assert client.get("/en/articles/internal-one").status_code == 404
    assert client.get("/en/articles/internal-welcome").status_code == 404
    assert client.get("/en/categories/secret-ops").status_code == 404
    pages = ["/en/", "/en/categories/shipping", "/en/welcome", "/en/articles/public-one", f"/en/search?q={SECRET}",
             "/en/search?q=refund+override", "/sitemap.xml", f"/api/v1/suggest?q={SECRET}&locale=en",
             "/api/v1/suggest?q=refund&locale=all", "/status/feed.atom", "/status/feed.rss"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        # pages echo the query, so look for what only the internal articles hold
        for leak in ("internal-one", "internal-welcome", "secret-ops", "Staff only:", "Refund override",
                     f"Welcome {SECRET}"):
            assert leak not in text, (path, leak)
    with app.app_context():
        from portal.kb.welcome import most_common_questions, welcome_guides
        from portal.search.services import popular_categories, suggest

        assert suggest(SECRET, None, 10) == []
        assert all(c["slug"] != "secret-ops" for c in popular_categories("en"))
        assert all(SECRET not in g["title"] for g in welcome_guides(session, "en"))
        assert all(SECRET not in q["title"] for q in most_common_questions(session, "en"))


def test_signed_in_staff_can_read_internal_articles(app, client, content, staff, login):
    login(client, staff("operator"))
    response = client.get("/en/articles/internal-one")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "only signed-in staff can read it" in html
    assert "no-store" in response.headers["Cache-Control"] and "noindex" in html


def test_making_a_public_article_internal_takes_it_out_of_search(app, client, content):
    with app.app_context():
        from portal.search.services import suggest

        assert [hit["slug"] for hit in suggest("printing labels", "en", 5)] == ["public-one"]
        article = services.find_article("public-one", "en")
        services.save_article(slug="public-one", locale="en", title=article.title, body_md=article.body_md,
                              category="shipping", visibility="internal")
        assert suggest("printing labels", "en", 5) == []
    assert client.get("/en/articles/public-one").status_code == 404


def test_sitemap_lists_public_articles_and_categories_with_alternates(app, client, content):
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    urls = {url.find("s:loc", SITEMAP_NS).text: url for url in root.findall("s:url", SITEMAP_NS)}
    assert set(urls) == {"http://portal.test/en/articles/public-one", "http://portal.test/nl/articles/public-one",
                         "http://portal.test/en/categories/shipping", "http://portal.test/nl/categories/shipping"}
    english = urls["http://portal.test/en/articles/public-one"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", english.find("s:lastmod", SITEMAP_NS).text)
    alternates = {link.get("hreflang"): link.get("href") for link in english.findall("x:link", SITEMAP_NS)}
    assert alternates == {"en": "http://portal.test/en/articles/public-one",
                          "nl": "http://portal.test/nl/articles/public-one"}


def test_robots_txt_points_to_the_sitemap(client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://portal.test/sitemap.xml" in text and "Disallow: /staff/" in text


@pytest.mark.parametrize("path, canonical", [
    ("/en/", "http://portal.test/en/"),
    ("/en/categories/shipping?page=1", "http://portal.test/en/categories/shipping"),
    ("/en/articles/public-one?utm_source=mail", "http://portal.test/en/articles/public-one"),
    ("/en/search?q=labels", "http://portal.test/en/search"),
    ("/en/status", "http://portal.test/en/status"),
    ("/en/contact/", "http://portal.test/en/contact/"),
])
def test_every_page_has_one_canonical_link(client, content, path, canonical):
    html = client.get(path).get_data(as_text=True)
    assert re.findall(r'<link rel="canonical" href="([^"]+)">', html) == [canonical]


def test_error_pages_have_no_canonical_link(client):
    html = client.get("/en/articles/nothing-here").get_data(as_text=True)
    assert 'rel="canonical"' not in html
