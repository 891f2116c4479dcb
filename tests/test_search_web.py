"""Search over HTTP: the search page, the suggest API, the writers' page, the CLI."""
from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from portal.db import session, utcnow
from portal.kb.models import Article, Category
from portal.search.models import NoResultQuery
from tests.search_helpers import add_article


def no_result_rows(app) -> list[tuple[str, str, int]]:
    with app.app_context():
        return [(r.query, r.locale, r.count) for r in session.scalars(select(NoResultQuery).order_by(NoResultQuery.id))]


# -- the search page -------------------------------------------------------------

def test_search_page_shows_highlighted_results(app, client):
    add_article(app, title="Een map verwijderen", locale="nl", slug="map-verwijderen",
                body="Klik met de rechtermuisknop op de map en kies Verwijderen.")
    response = client.get("/nl/search?q=mappen+verwijderen")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="/nl/articles/map-verwijderen"' in html
    assert "<mark" in html and ">Verwijderen</mark>" in html
    assert no_result_rows(app) == []


def test_search_page_offers_did_you_mean_as_a_link(app, client):
    add_article(app, title="Verzendlabels printen", locale="nl")
    html = client.get("/nl/search?q=verzendlabls").get_data(as_text=True)
    assert "/nl/search?q=verzendlabels" in html


def test_no_results_page_offers_contact_and_popular_categories_and_is_recorded(app, client):
    add_article(app, title="Connect carriers", category="shipping")
    with app.app_context():
        session.add(Category(slug="shipping", locale="en", title="Shipping and carriers"))
        session.commit()
    for _ in range(2):
        response = client.get("/en/search?q=Quantum+Teleport")
        assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/en/contact/"' in html
    assert "Shipping and carriers" in html and 'href="/en/categories/shipping"' in html
    assert no_result_rows(app) == [("quantum teleport", "en", 2)]


def test_suggestions_are_not_recorded_as_searches_without_results(app, client):
    assert client.get("/api/v1/suggest?q=nothingmatches&locale=en").status_code == 200
    assert no_result_rows(app) == []


def test_search_page_paginates_and_filters_by_category(app, client):
    for number in range(12):
        add_article(app, title=f"Scanner guide {number}", slug=f"scanner-{number:02d}",
                    category="hardware" if number else "other")
    first = client.get("/en/search?q=scanner").get_data(as_text=True)
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = client.get("/en/search?q=scanner&page=2").get_data(as_text=True)
    assert 'rel="prev"' in second and second.count('class="search-result"') == 2
    assert client.get("/en/search?q=scanner&page=9").status_code == 404
    filtered = client.get("/en/search?q=scanner&category=other").get_data(as_text=True)
    assert filtered.count('class="search-result"') == 1


def test_category_filter_counts_and_pages_its_own_matches(app, client):
    for number in range(25):
        add_article(app, title=f"Printer guide {number}", slug=f"printer-{number:02d}",
                    category="printers" if number % 2 else "other")
    first = client.get("/en/search?q=printer&category=printers").get_data(as_text=True)
    assert "12 articles found" in first and "Page 1 of 2" in first
    assert first.count('class="search-result"') == 10 and 'rel="next"' in first
    second = client.get("/en/search?q=printer&category=printers&page=2").get_data(as_text=True)
    assert second.count('class="search-result"') == 2 and "Page 2 of 2" in second
    assert all(f"printer-{n:02d}" not in second for n in range(0, 25, 2))  # only the category's
    assert client.get("/en/search?q=printer&category=printers&page=3").status_code == 404
    unfiltered = client.get("/en/search?q=printer").get_data(as_text=True)
    assert "25 articles found" in unfiltered and "Page 1 of 3" in unfiltered


def test_empty_search_page_shows_the_form(client):
    response = client.get("/en/search")
    assert response.status_code == 200
    assert 'name="q"' in response.get_data(as_text=True)


# -- the suggest API ---------------------------------------------------------------

def test_suggest_api_answers_half_typed_text(app, client):
    add_article(app, title="Een map verwijderen in Outlook", locale="nl", slug="outlook-map")
    response = client.get("/api/v1/suggest?q=map+verwij&locale=nl&limit=3")
    assert response.status_code == 200
    body = response.get_json()
    assert body["query"] == "map verwij"
    assert body["incidents"] == []
    (article,) = body["articles"]
    assert set(article) == {"slug", "title", "url", "snippet", "score", "locale"}
    assert (article["slug"], article["url"], article["locale"]) == ("outlook-map", "/nl/articles/outlook-map", "nl")
    assert "max-age=" in response.headers["Cache-Control"]


@pytest.mark.parametrize(("query_string", "message"), [
    ("", "q is required"),
    ("q=%20%20", "q is required"),
    ("q=map&locale=fr", "Unknown locale"),
    ("q=map&limit=many", "whole number"),
])
def test_suggest_api_rejects_bad_input_with_a_clear_json_error(client, query_string, message):
    response = client.get(f"/api/v1/suggest?{query_string}")
    assert response.status_code == 400 and response.is_json
    assert message in response.get_json()["error"]["message"]


def test_suggest_api_clamps_the_limit(app, client):
    for number in range(25):
        add_article(app, title=f"Printer {number}")
    assert len(client.get("/api/v1/suggest?q=printer&limit=500").get_json()["articles"]) == 20
    assert len(client.get("/api/v1/suggest?q=printer&limit=0").get_json()["articles"]) == 1


def test_suggest_api_merges_providers_and_survives_a_failing_one(app, client, caplog):
    seen = []

    def incidents(query, locale, limit):
        seen.append((query, locale, limit))
        return [{"id": 7, "name": "Checkout outage", "url": "/status/incidents/7"}]

    def broken(query, locale, limit):
        raise RuntimeError("provider bug")

    app.extensions.setdefault("portal.suggest_providers", {}).update(incidents=incidents, videos=broken)
    body = client.get("/api/v1/suggest?q=checkout&locale=en&limit=4").get_json()
    assert body["incidents"] == [{"id": 7, "name": "Checkout outage", "url": "/status/incidents/7"}]
    assert body["videos"] == []
    assert seen == [("checkout", "en", 4)]
    assert "provider bug" in caplog.text


def test_suggest_api_locale_all_searches_every_language(app, client):
    add_article(app, title="Outlook map", locale="nl", slug="a")
    add_article(app, title="Outlook Ordner", locale="de", slug="b")
    body = client.get("/api/v1/suggest?q=outlook&locale=all").get_json()
    assert {a["locale"] for a in body["articles"]} == {"nl", "de"} and body["locale"] is None


def test_suggest_api_without_locale_uses_the_callers_language(app, client):
    add_article(app, title="Outlook map", locale="nl", slug="a")
    add_article(app, title="Outlook Ordner", locale="de", slug="b")
    body = client.get("/api/v1/suggest?q=outlook", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_json()
    assert body["locale"] == "de" and [a["locale"] for a in body["articles"]] == ["de"]


# -- writers' page ----------------------------------------------------------------

def test_writers_see_the_most_frequent_searches_without_results(app, client, staff, login):
    for query, times in (("retour label", 3), ("factuur kwijt", 1)):
        for _ in range(times):
            client.get(f"/nl/search?q={query}")
    assert client.get("/staff/search/").status_code == 302  # anonymous: to the login page
    login(client, staff("writer"))
    html = client.get("/staff/search/").get_data(as_text=True)
    assert html.index("retour label") < html.index("factuur kwijt")
    with app.app_context():
        row = session.scalar(select(NoResultQuery).where(NoResultQuery.query == "retour label"))
    assert client.post(f"/staff/search/{row.id}/dismiss").status_code == 302
    assert [r[0] for r in no_result_rows(app)] == ["factuur kwijt"]
    assert client.post("/staff/search/999999/dismiss").status_code == 404


def test_operators_may_not_see_the_writers_page(client, staff, login):
    login(client, staff("operator"))
    assert client.get("/staff/search/").status_code == 403


def test_the_staff_dashboard_links_to_the_page(app):
    links = app.extensions["portal.staff_links"]
    assert {"endpoint": "search_staff.no_results", "roles": ("writer",)}.items() <= next(
        link for link in links if link["endpoint"] == "search_staff.no_results").items()


# -- the CLI ---------------------------------------------------------------------

def test_cli_rebuild_check_and_update(app, runner):
    add_article(app, title="Indexed normally")
    rebuilt = runner.invoke(args=["index", "rebuild"])
    assert rebuilt.exit_code == 0 and "Indexed 1 article(s)" in rebuilt.output
    assert runner.invoke(args=["index", "check"]).exit_code == 0
    with app.app_context():
        now = utcnow()
        session.execute(insert(Article).values(
            slug="bulk", locale="en", title="Bulk loaded", body_text="", body_md="", body_html="",
            category_slug="general", tags=[], headings=[], extra={}, status="published",
            created_at=now, updated_at=now))
        session.commit()
    checked = runner.invoke(args=["index", "check"])
    assert checked.exit_code == 1 and "missing: 1 article(s)" in checked.output
    updated = runner.invoke(args=["index", "update"])
    assert updated.exit_code == 0 and "Fixed 1 article(s)" in updated.output
    assert runner.invoke(args=["index", "check"]).exit_code == 0
