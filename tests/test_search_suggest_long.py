"""The suggest API with what customers type into a ticket: long text, POST, subject and description."""
from __future__ import annotations

import pytest

from tests.search_helpers import add_article, slugs


@pytest.fixture
def shop_articles(app):
    add_article(app, slug="checkout-error", title="Checkout shows a payment error",
                body="If the checkout shows a payment error after clicking pay, reconnect the payment provider.")
    add_article(app, slug="invoice-export", title="Invoice PDF export fails",
                body="When exporting invoices as PDF fails with error E4021, renew the invoice template.")
    add_article(app, slug="stock-sync", title="Stock levels stopped updating",
                body="When stock levels stop updating, check the sync schedule of the warehouse.")


FILLER = "Hello team, I hope you are well and thank you for reading this message. " * 80


def test_get_accepts_long_text_and_uses_its_beginning(app, client, shop_articles):
    query = "checkout payment error " + FILLER + "x" * 6000
    assert len(query) > 5000
    response = client.get("/api/v1/suggest", query_string={"q": query, "locale": "en"})
    assert response.status_code == 200
    body = response.get_json()
    assert len(body["query"]) <= 5000
    assert slugs(body["articles"])[0] == "checkout-error"


def test_post_accepts_a_5000_character_description(app, client, shop_articles):
    description = FILLER[:4940] + " Exporting the invoice as PDF fails with error E4021."
    assert len(description) >= 4990
    response = client.post("/api/v1/suggest", json={"description": description, "locale": "en", "limit": 3})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert slugs(response.get_json()["articles"])[0] == "invoice-export"


def test_post_text_beyond_the_limit_is_cut_not_refused(app, client, shop_articles):
    description = "The stock levels stopped updating. " + FILLER * 5 + " invoice pdf export"
    response = client.post("/api/v1/suggest", json={"description": description, "locale": "en"})
    assert response.status_code == 200
    assert slugs(response.get_json()["articles"])[0] == "stock-sync"


def test_subject_weighs_more_than_the_description(app, client, shop_articles):
    body = client.post("/api/v1/suggest", json={
        "subject": "Invoice export", "description": "Also the checkout once showed an error.", "locale": "en",
    }).get_json()
    assert slugs(body["articles"])[0] == "invoice-export"
    body = client.post("/api/v1/suggest", json={
        "subject": "Checkout error", "description": "Also the invoice export once failed.", "locale": "en",
    }).get_json()
    assert slugs(body["articles"])[0] == "checkout-error"


def test_post_works_without_a_session_or_csrf_token(make_app, shop_articles):
    app = make_app(WTF_CSRF_ENABLED=True)
    from tests.search_helpers import add_article as add

    add(app, slug="checkout-error-2", title="Checkout shows a payment error", body="payment provider")
    response = app.test_client().post("/api/v1/suggest", json={"q": "checkout payment", "locale": "en"})
    assert response.status_code == 200
    assert "checkout-error-2" in slugs(response.get_json()["articles"])


@pytest.mark.parametrize(("payload", "message"), [
    ({}, "q is required"),
    ({"q": "   ", "description": ""}, "q is required"),
    ({"q": "map", "locale": "fr"}, "Unknown locale"),
    ({"q": "map", "limit": "many"}, "whole number"),
    ({"q": ["map"]}, "q"),
    ({"description": 42}, "description"),
])
def test_post_rejects_bad_input_with_a_clear_json_error(client, payload, message):
    response = client.post("/api/v1/suggest", json=payload)
    assert response.status_code == 400 and response.is_json
    assert message in response.get_json()["error"]["message"]


def test_post_without_json_says_what_to_send(client):
    response = client.post("/api/v1/suggest", data="q=map")
    assert response.status_code == 400
    assert "JSON" in response.get_json()["error"]["message"]


def test_remembered_frequencies_follow_index_changes(app, shop_articles):
    from portal.search import services, textterms
    from portal.search.schema import ARTICLE_TEXT, lang_field

    field = lang_field(ARTICLE_TEXT, "en")
    with app.app_context():
        reader = services.get_index().searcher().reader()
        assert textterms.doc_frequency(reader, field, "warehous") == 1
    add_article(app, slug="warehouse-move", title="Moving to a new warehouse", body="warehouse")
    with app.app_context():
        fresh = services.get_index().searcher().reader()
        assert textterms.doc_frequency(fresh, field, "warehous") == 2


def test_an_engine_that_weighs_the_fields_itself_gets_them_as_they_are(app, client, monkeypatch):
    from portal.search import services

    calls = []

    def engine(query, locale=None, limit=5, *, subject="", description=""):
        calls.append((query, locale, subject, description))
        return [{"slug": "from-engine", "title": "T", "url": "/en/articles/from-engine", "snippet": "",
                 "score": 1.0, "locale": "en"}]

    monkeypatch.setattr(services, "suggest", engine)
    body = client.post("/api/v1/suggest", json={"subject": "Invoice", "description": "x" * 6000,
                                                "locale": "en"}).get_json()
    assert slugs(body["articles"]) == ["from-engine"]
    assert calls == [("", "en", "Invoice", "x" * 5000)]
