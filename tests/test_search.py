"""Search: analysis per language, ranking, snippets, did-you-mean, as-you-type."""
from __future__ import annotations

import re

import pytest

from portal.search import services
from portal.search.analysis import analyze
from tests.search_helpers import add_article, slugs


@pytest.mark.parametrize(("lang", "indexed", "query"), [
    ("nl", "Hoe verwijder ik mappen in Outlook", "map verwijderen"),
    ("de", "Einen Ordner in Outlook löschen", "Ordnern"),
    ("sv", "Ta bort mapparna i Outlook", "mapp"),
    ("pl", "Jak usunąć folder w programie Outlook", "folderów"),
    ("en", "Deleting folders in Outlook", "delete folder"),
])
def test_each_language_stems_query_and_article_alike(app, lang, indexed, query):
    add_article(app, title="Something else entirely", body="Nothing to see", locale=lang, slug="noise")
    add_article(app, title=indexed, body="", locale=lang, slug="target")
    with app.app_context():
        assert slugs(services.search(query, lang)) == ["target"]
        assert slugs(services.suggest(query, lang)) == ["target"]


def test_a_language_is_analyzed_with_its_own_stemmer():
    assert analyze("mappen", "nl") == analyze("map", "nl")
    assert analyze("Ordnern", "de") == analyze("Ordner", "de")
    # The Dutch stemmer is not used for English text and vice versa.
    assert analyze("deleting", "en") == ["delet"]
    assert analyze("de het een", "nl") == []  # stop words


def test_accents_are_folded_so_typing_without_them_finds_the_article(app):
    add_article(app, title="Ordner löschen", locale="de", slug="loeschen")
    add_article(app, title="Microsoft Search wordt geïnstalleerd", locale="nl", slug="installed")
    with app.app_context():
        assert slugs(services.search("loschen", "de")) == ["loeschen"]
        assert slugs(services.search("geinstalleerd", "nl")) == ["installed"]


def test_polish_typed_without_diacritics_finds_the_article(app):
    add_article(app, title="Jak usunąć skrzynkę pocztową", locale="pl", slug="usun")
    with app.app_context():
        assert slugs(services.search("usunac", "pl")) == ["usun"]
        assert slugs(services.search("usunąć skrzynkę", "pl")) == ["usun"]


def test_results_come_from_the_page_language_with_other_languages_counted(app):
    add_article(app, title="Outlook map verwijderen", locale="nl", slug="folder")
    add_article(app, title="Outlook Ordner löschen", locale="de", slug="folder")
    with app.app_context():
        dutch = services.search("outlook", "nl")
        assert [(h["slug"], h["locale"]) for h in dutch.hits] == [("folder", "nl")]
        assert dutch.other_locales == {"de": 1}
        assert {s["locale"] for s in services.suggest("outlook", None)} == {"nl", "de"}


def test_other_languages_are_not_counted_for_the_page_languages_stop_words(app):
    add_article(app, title="Skype erlauben", body="How can I do it? Wie kann ich Skype erlauben?",
                locale="de", slug="skype")
    with app.app_context():
        english = services.search("how can I export my orders", "en")
        assert english.total == 0 and english.other_locales == {}


def test_title_words_outrank_body_words(app):
    add_article(app, title="Printer setup", body="Connect the barcode scanner first. " * 3, slug="body")
    add_article(app, title="Barcode scanner setup", body="Plug it in.", slug="title")
    with app.app_context():
        assert slugs(services.search("barcode scanner", "en"))[0] == "title"


def test_snippets_highlight_matches_and_escape_article_text(app):
    add_article(app, title="Script tags", slug="xss",
                body="Never paste <script>alert(1)</script> into the template editor of your webshop.")
    with app.app_context():
        hit = services.search("template editor", "en").hits[0]
    snippet = str(hit["snippet"])
    assert re.search(r"<mark[^>]*>template</mark> <mark[^>]*>editor</mark>", snippet)
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet


def test_did_you_mean_comes_from_the_index_vocabulary(app):
    add_article(app, title="Verzendlabels printen", body="Zo print u verzendlabels voor uw pakketten.", locale="nl")
    with app.app_context():
        result = services.search("verzendlabls printen", "nl")
        assert result.suggestion == "verzendlabels printen"
        assert services.search("verzendlabels", "nl").suggestion is None


def test_pagination(app):
    for number in range(12):
        add_article(app, title=f"Carrier guide {number}", slug=f"carrier-{number:02d}")
    with app.app_context():
        first = services.search("carrier", "en", page=1, per_page=5)
        last = services.search("carrier", "en", page=3, per_page=5)
    assert (first.total, first.pages, len(first.hits), len(last.hits)) == (12, 3, 5, 2)
    assert first.has_next and not last.has_next
    assert not set(slugs(first)) & set(slugs(last))


def test_category_filter(app):
    add_article(app, title="Returns policy", category="orders", slug="orders-returns")
    add_article(app, title="Returns label", category="shipping", slug="shipping-returns")
    with app.app_context():
        assert slugs(services.search("returns", "en", category="shipping")) == ["shipping-returns"]


@pytest.mark.parametrize("typed", ["map verwij", "Outl", "mappen in outlook verw", "verwijderen "])
def test_suggest_matches_half_typed_text(app, typed):
    add_article(app, title="Een map verwijderen in Outlook", locale="nl", slug="outlook-map",
                headings=["Mappen beheren"])
    add_article(app, title="Een agenda delen", locale="nl", slug="agenda")
    with app.app_context():
        found = services.suggest(typed, "nl")
    assert slugs(found)[:1] == ["outlook-map"]


def test_suggest_finds_the_article_for_a_long_question_with_extra_words(app):
    add_article(app, title="Connect your webshop", body="Enter the API key of your shop.", slug="connect")
    add_article(app, title="Set up email templates", body="Templates for order mails.", slug="templates")
    with app.app_context():
        found = services.suggest("Hi there, I bought a new subscription yesterday, how do I connect my webshop please?", "en")
    assert slugs(found)[0] == "connect"


def test_suggest_returns_the_contract_fields(app):
    add_article(app, title="Barcode scanners", summary="Which scanners work and how to pair them.", slug="scanners")
    with app.app_context():
        (item,) = services.suggest("barc", "en")
    assert set(item) == {"slug", "title", "url", "snippet", "score", "locale"}
    assert item["url"] == "/en/articles/scanners"
    assert item["snippet"] == "Which scanners work and how to pair them."
    assert item["score"] > 0


def test_suggest_rejects_an_unknown_language(app):
    with app.app_context(), pytest.raises(services.SearchError):
        services.suggest("x", "fr")


def test_empty_and_stop_word_only_queries_find_nothing(app):
    add_article(app, title="How to start")
    with app.app_context():
        assert services.suggest("   ", "en") == []
        assert services.search("", "en").total == 0
        assert services.suggest("the", "en") == []


def test_searching_every_language_ignores_any_languages_stop_words(app):
    """English function words must not rank a German article above the English answer."""
    from portal.search import services
    from portal.search.querying import without_any_stop_words
    from tests.search_helpers import add_article

    assert without_any_stop_words("How can I delete my account", ("en", "de")).split() == ["delete", "account"]
    assert without_any_stop_words("how can I del", ("en", "de")).split() == ["del"]  # the typed word stays
    assert without_any_stop_words("how can I?", ("en", "de")) == "how can I?"  # nothing left: keep it whole
    add_article(app, title="Delete your account", body="Open settings and delete the account.", locale="en", slug="delete-account")
    add_article(app, title="How do I allow Skype for Business", locale="de", slug="skype",
                body="How can I allow Skype? Wie kann ich Skype for Business erlauben? How can I do it?")
    with app.test_request_context():
        found = services.suggest("How can I delete my account?", None, 2)
    assert found[0]["slug"] == "delete-account"
