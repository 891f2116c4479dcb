"""Every customer page and e-mail speaks the customer's language: no English UI text.

For nl, de, sv and pl this renders every customer-facing page (home, category,
article, search, welcome, contact chooser and every form, the sent page, status,
incident, history, subscribe/confirm/manage/unsubscribe, 404) and every customer
e-mail (ticket confirmation, subscription opt-in, incident update, welcome
letter), and looks for the English user interface in what a reader sees: text,
``title``/``aria-label``/``placeholder``/``alt`` and the ``data-*`` texts the
scripts show.

"English UI text" is a msgid of the catalog (``messages.pot``) or an ``en`` text
of ``tickets.yaml``, found as a whole piece of text (a text node, a line, or the
part between separators such as ``:`` or ``·``), or a msgid with placeholders
matched as a pattern. Strings that are the same in the page's language (its
catalog or ``tickets.yaml`` translates them to the same text, e.g. "Status",
"Version") are not counted; user content is written in the page's language.
"""
from __future__ import annotations

import functools
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po
from sqlalchemy import select

from portal.config import SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
TICKETS_YAML = ROOT / "portal" / "tickets" / "tickets.yaml"
LOCALES = [code for code in SUPPORTED_LOCALES if code != "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
SEPARATORS = re.compile(r"\s*(?:\n|:\s|:$|·|\||›|→|—|\(|\)|…)\s*")
EDGE_PUNCTUATION = " \t.,;!?*:\u00a0\"'“”„«»"

# What a user sees in a page (texts, and these attributes).
SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "label"}
HIDDEN_ELEMENTS = {"script", "style"}

# User content in each language (titles, bodies, names: the help center's own words).
CONTENT = {
    "nl": {"category": "Verzending", "title": "Pakketten versturen met DHL", "word": "pakketten",
           "body": "Zo verstuurt u pakketten met DHL vanuit uw winkel.", "incident": "Storing bij betalingen",
           "component": "Betalingen", "update": "We onderzoeken de storing."},
    "de": {"category": "Versand", "title": "Pakete mit DHL versenden", "word": "pakete",
           "body": "So versenden Sie Pakete mit DHL aus Ihrem Shop.", "incident": "Störung bei Zahlungen",
           "component": "Zahlungen", "update": "Wir untersuchen die Störung."},
    "sv": {"category": "Frakt", "title": "Skicka paket med DHL", "word": "paket",
           "body": "Så skickar du paket med DHL från din butik.", "incident": "Störning i betalningar",
           "component": "Betalningar", "update": "Vi undersöker störningen."},
    "pl": {"category": "Wysyłka", "title": "Wysyłanie paczek przez DHL", "word": "paczek",
           "body": "Tak wyślesz paczki przez DHL ze swojego sklepu.", "incident": "Awaria płatności",
           "component": "Płatności", "update": "Badamy awarię."},
}


def _normal(text: str) -> str:
    return " ".join(text.split()).strip(EDGE_PUNCTUATION).casefold()


def _pieces(text: str) -> list[str]:
    """A text and its parts between separators, normalized."""
    whole = _normal(text)
    return [whole] + [_normal(part) for part in SEPARATORS.split(text) if part]


def _yaml_texts(node):
    """(english, {locale: text}) for every ``{en: ..., nl: ...}`` in tickets.yaml."""
    if isinstance(node, dict):
        if "en" in node and set(node) <= set(SUPPORTED_LOCALES) and all(isinstance(v, str) for v in node.values()):
            yield node["en"], node
            return
        for value in node.values():
            yield from _yaml_texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _yaml_texts(value)


class Vocabulary:
    """The English UI strings and, for one language, what counts as that language."""

    def __init__(self, locale: str):
        with (TRANSLATIONS / "messages.pot").open("rb") as fh:
            template = read_po(fh)
        with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        english: list[str] = []
        local: set[str] = set()
        for message in template:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
            english.extend(ids)
            translated = catalog.get(message.id)
            strings = () if translated is None else (
                translated.string if isinstance(translated.string, (tuple, list)) else (translated.string,))
            for text in strings:
                if text:
                    local.update(_pieces(PLACEHOLDER.sub(" ", text)))
        with TICKETS_YAML.open(encoding="utf-8") as fh:
            for text, values in _yaml_texts(yaml.safe_load(fh)):
                english.append(text)
                local.update(_pieces(values.get(locale, "")))
        self.locale = locale
        self.local = local - {""}
        self.exact: dict[str, str] = {}
        self.patterns: list[tuple[re.Pattern, str]] = []
        for text in english:
            if PLACEHOLDER.search(text.replace("%%", "")):
                literal = [part for part in PLACEHOLDER.split(text)]
                if sum(len(re.sub(r"\W", "", part)) for part in literal) >= 10:
                    regex = ".+?".join(re.escape(part.replace("%%", "%")) for part in literal)
                    self.patterns.append((re.compile(regex), text))
                continue
            key = _normal(text.replace("%%", "%"))
            if len(key) >= 3 and re.search(r"[a-z]", key) and key not in self.local:
                self.exact[key] = text

    def english_in(self, segments: list[str]) -> list[str]:
        found = []
        for segment in segments:
            for piece in _pieces(segment):
                if piece in self.exact:
                    found.append(f"{self.exact[piece]!r} in {segment[:80]!r}")
            for pattern, text in self.patterns:
                if pattern.search(segment):
                    found.append(f"{text!r} in {segment[:80]!r}")
        return sorted(set(found))


@functools.lru_cache(maxsize=None)
def vocabulary(locale: str) -> Vocabulary:
    return Vocabulary(locale)


def _reads_as_text(value: str) -> bool:
    """A ``data-*`` text a script shows ("Mask", "This solved my problem"), not a
    machine value ("major", "/api/v1/suggest", JSON)."""
    return not value.startswith(("{", "[", "/", "http")) and (" " in value.strip() or value[:1].isupper())


class _ShownText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.segments: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN_ELEMENTS:
            self._hidden += 1
        for name, value in attrs:
            if value and (name in SHOWN_ATTRIBUTES or (name.startswith("data-") and _reads_as_text(value))):
                self.segments.append(value)
            if tag == "meta" and name == "content" and ("name", "description") in attrs and value:
                self.segments.append(value)

    def handle_endtag(self, tag):
        if tag in HIDDEN_ELEMENTS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.segments.append(data)


def shown_text(html: str) -> list[str]:
    parser = _ShownText()
    parser.feed(html)
    return parser.segments


def assert_no_english(locale: str, what: str, segments: list[str]) -> None:
    found = vocabulary(locale).english_in(segments)
    assert not found, f"{locale} {what}: English UI text {found}"


# -- the world: content, an incident, a ticket, a subscriber ---------------------

@pytest.fixture
def world(app):
    from portal.db import session
    from portal.kb import services as kb
    from portal.status import services as status

    with app.app_context():
        for locale, words in CONTENT.items():
            kb.save_category(slug="shipping", locale=locale, title=words["category"],
                             summary=words["body"], source_hash=f"cat-{locale}")
            kb.save_article(slug="ship-with-dhl", locale=locale, title=words["title"], body_md=words["body"],
                            category="shipping", commit=False)
            kb.save_article(slug=f"welkom-{locale}", locale=locale, title=words["title"] + " 2",
                            body_md=words["body"], category="welcome", position=1, commit=False)
            # no category: it lands in the placeholder default category
            kb.save_article(slug=f"algemeen-{locale}", locale=locale, title=words["title"] + " 3",
                            body_md=words["body"], commit=False)
        kb.save_article(slug="english-only", locale="en", title="Only in one language", body_md="Text")
        session.commit()
        component = status.create_component("DHL")
        incidents = {locale: status.create_incident(words["incident"], components={component: "major_outage"},
                                                    body=words["update"], notify=False).public_id
                     for locale, words in CONTENT.items()}
    return {"incidents": incidents}


def _page(client, path: str, locale: str, expect: int = 200, **kwargs) -> str:
    response = client.get(path, headers={"Accept-Language": "en"}, follow_redirects=True, **kwargs)
    assert response.status_code == expect, f"{path}: {response.status_code}"
    html = response.get_data(as_text=True)
    assert f'<html lang="{locale}"' in html, f"{path} is not in {locale}"
    return html


def _ticket_forms(app) -> list[str]:
    from portal.tickets.config import get_config

    with app.app_context():
        return list(get_config().forms)


def _messages(app, purpose: str, recipient: str) -> list[dict]:
    from portal.db import session
    from portal.outbox.models import Message

    with app.app_context():
        rows = session.scalars(select(Message).where(Message.purpose == purpose,
                                                     Message.recipient == recipient)).all()
        return [row.payload for row in rows]


def _mail_segments(payload: dict) -> list[str]:
    segments = [payload["subject"]] + payload["text"].splitlines()
    if payload.get("html"):
        segments += shown_text(payload["html"])
    return [s for s in segments if s.strip()]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_customer_page_is_in_the_page_language(app, client, world, locale):
    words = CONTENT[locale]
    pages = {
        "home": f"/{locale}/",
        "category": f"/{locale}/categories/shipping",
        "placeholder category": f"/{locale}/categories/general",
        "article": f"/{locale}/articles/ship-with-dhl",
        "search": f"/{locale}/search?q={words['word']}",
        "search without results": f"/{locale}/search?q=qqxxzz",
        "welcome": f"/{locale}/welcome",
        "contact chooser": f"/{locale}/contact/",
        "status": f"/{locale}/status",
        "status from a page in this language": "/status",
        "incident": f"/{locale}/status/incidents/{world['incidents'][locale]}",
        "history": f"/{locale}/status/history",
    }
    pages.update({f"form {slug}": f"/{locale}/contact/{slug}" for slug in _ticket_forms(app)})
    for what, path in pages.items():
        referrer = {"Referer": f"http://localhost/{locale}/"} if not path.startswith(f"/{locale}/") else {}
        response = client.get(path, headers={"Accept-Language": "en", **referrer}, follow_redirects=True)
        assert response.status_code == 200, f"{what} {path}: {response.status_code}"
        html = response.get_data(as_text=True)
        assert f'<html lang="{locale}"' in html, f"{what} {path} is not in {locale}"
        assert_no_english(locale, what, shown_text(html))
    for what, path in {"404": f"/{locale}/no-such-page",
                       "article not in this language": f"/{locale}/articles/english-only"}.items():
        assert_no_english(locale, what, shown_text(_page(client, path, locale, expect=404)))

    # a form sent with mistakes, then sent properly: the sent page
    empty = client.post(f"/{locale}/contact/question", data={}, headers={"Accept-Language": "en"})
    assert empty.status_code == 422
    assert_no_english(locale, "form with errors", shown_text(empty.get_data(as_text=True)))
    sent = client.post(f"/{locale}/contact/question", follow_redirects=True, headers={"Accept-Language": "en"},
                       data={"email": f"klant-{locale}@shop.example", "subject": words["title"],
                             "description": words["body"]})
    assert sent.status_code == 200 and "/sent/" in sent.request.path
    assert_no_english(locale, "sent page", shown_text(sent.get_data(as_text=True)))


@pytest.mark.parametrize("locale", LOCALES)
def test_subscription_pages_and_every_customer_email_are_in_the_language(app, client, runner, world, locale):
    from portal.outbox import worker

    words = CONTENT[locale]
    client.set_cookie("lang", locale)
    headers = {"Accept-Language": "en"}
    address = f"abonnee-{locale}@shop.example"
    assert_no_english(locale, "subscribe page", shown_text(_page(client, "/subscriptions/", locale)))
    checked = client.post("/subscriptions/", data={"email": address, "scope": "all", "locale": locale},
                          headers=headers)
    assert checked.status_code == 200
    assert_no_english(locale, "check your inbox", shown_text(checked.get_data(as_text=True)))

    [optin] = _messages(app, "optin", address)
    assert_no_english(locale, "opt-in e-mail", _mail_segments(optin))
    confirm = re.search(r"http://portal\.test(/subscriptions/confirm/\S+)", optin["text"]).group(1)
    assert_no_english(locale, "confirm page", shown_text(_page(client, confirm, locale)))
    manage = client.post(confirm, headers=headers, follow_redirects=True)
    assert manage.status_code == 200 and "/manage/" in manage.request.path
    assert_no_english(locale, "manage page", shown_text(manage.get_data(as_text=True)))

    # an incident update reaches the (now confirmed) subscriber
    with app.app_context():
        from portal.status import services as status

        status.create_incident(words["incident"] + " 2", body=words["update"])
    worker.expand_broadcasts(app)
    [update] = [p for p in _messages(app, "incident", address)]
    assert_no_english(locale, "incident e-mail", _mail_segments(update))
    unsubscribe = re.search(r"http://portal\.test(/subscriptions/unsubscribe/\S+)", update["text"]).group(1)
    assert_no_english(locale, "unsubscribe page", shown_text(_page(client, unsubscribe, locale)))

    # the ticket confirmation
    sent = client.post(f"/{locale}/contact/question", headers=headers,
                       data={"email": address, "subject": words["title"], "description": words["body"]})
    assert sent.status_code == 303
    [confirmation] = _messages(app, "confirmation", address)
    assert_no_english(locale, "ticket confirmation", _mail_segments(confirmation))
    labels = [line.split(":", 1)[0] for line in confirmation["text"].splitlines()
              if re.match(r"[^:]{2,40}: \S", line)]
    assert len(labels) >= 4 and len(labels) == len(set(labels)), f"labels must differ: {labels}"

    # the welcome letter
    result = runner.invoke(args=["welcome", "send", address, "--locale", locale])
    assert result.exit_code == 0, result.output
    [welcome] = _messages(app, "welcome", address)
    assert_no_english(locale, "welcome letter", _mail_segments(welcome))


def test_the_checker_finds_english_text():
    """The check itself: English labels, hints and messages are found, local ones are not."""
    dutch = vocabulary("nl")
    assert dutch.english_in(["Your name", "Steps to reproduce", "Subject: Bestelling"])
    assert dutch.english_in(["We answer within 1 business day."]) or dutch.english_in(["Skip to content"])
    assert not dutch.english_in(["Uw naam", "Onderwerp: Bestelling", "Versie", "DHL", "Pakketten versturen"])
    assert not vocabulary("de").english_in(["Version", "Status"])  # the same word in German


def test_the_status_page_follows_the_language_of_the_page_the_customer_came_from(app, client, world):
    incident = world["incidents"]["nl"]
    came_from_dutch = client.get("/status", headers={"Referer": "http://localhost/nl/articles/x",
                                                     "Accept-Language": "de"})
    assert came_from_dutch.status_code == 302 and came_from_dutch.headers["Location"] == "/nl/status"
    assert client.get("/status", headers={"Accept-Language": "de"}).headers["Location"] == "/de/status"
    assert client.get("/status", headers={"Referer": "https://elsewhere.example/pl/", "Accept-Language": "sv"}
                      ).headers["Location"] == "/sv/status"  # another site's language does not count
    assert client.get(f"/status/incidents/{incident}?x=1", headers={"Referer": "http://localhost/pl/contact/"}
                      ).headers["Location"] == f"/pl/status/incidents/{incident}?x=1"
    assert client.get("/status/history", headers={"Referer": "http://localhost/de/"}
                      ).headers["Location"] == "/de/status/history"
    dutch = client.get("/nl/status").get_data(as_text=True)
    # the switcher keeps the page: /language/de?next=/nl/status lands on /de/status
    assert 'href="/language/de?next=/nl/status"' in dutch
    assert client.get("/language/de?next=/nl/status").headers["Location"] == "/de/status"
    assert f'href="/nl/status/incidents/{incident}"' in dutch and 'href="/nl/status/history"' in dutch
    # numbers as the language writes them
    assert re.search(r"\b\d{1,3},\d\d %", dutch) and not re.search(r"\b\d{1,3}\.\d\d %", dutch)
    assert re.search(r"\b\d{1,3}\.\d\d %", client.get("/en/status").get_data(as_text=True))


def test_a_placeholder_category_is_named_in_its_language(app, client, world):
    from flask_babel import force_locale, gettext

    from portal.kb import services as kb

    with app.app_context():
        assert kb.find_category("general", "nl").title == "Algemeen"
        assert kb.find_category("general", "de").title == "Allgemein"
        with force_locale("pl"):
            assert kb.find_category("welcome", "pl").title == gettext("Getting started") != "Getting started"
        assert kb.find_category("shipping", "nl").title == "Verzending"  # a described category keeps its title
        assert kb.find_category("general", "en") is None or kb.find_category("general", "en").title == "General"
    assert "Algemeen" in client.get("/nl/categories/general").get_data(as_text=True)


def test_pages_without_a_language_answer_in_the_language_of_the_page_before(client):
    from_dutch = {"Referer": "http://localhost/nl/status", "Accept-Language": "en"}
    assert '<html lang="nl"' in client.get("/subscriptions/", headers=from_dutch).get_data(as_text=True)
    assert client.get("/", headers=from_dutch).headers["Location"] == "/nl/"
    # the switcher on a page without a language: the choice wins (its own page is the referrer)
    switched = client.get("/language/de?next=/subscriptions/", headers={"Referer": "http://localhost/subscriptions/"})
    assert switched.headers["Location"] == "/subscriptions/"
    assert '<html lang="de"' in client.get("/subscriptions/", headers={
        "Referer": "http://localhost/subscriptions/"}).get_data(as_text=True)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_support_loop_speaks_the_customers_language(app, client, staff, login, locale):
    """The rating request, the rating page (before and after rating, and a broken
    link), the "your idea shipped" e-mail, and the support staff pages."""
    from portal.db import session
    from portal.support import ideas, services
    from portal.support.models import Idea

    words = CONTENT[locale]
    headers = {"Accept-Language": "en"}
    address = f"klant-{locale}@shop.example"
    sent = client.post(f"/{locale}/contact/suggestion", headers=headers,
                       data={"email": address, "subject": words["title"], "description": words["body"]})
    assert sent.status_code == 303
    reference = re.search(r"T-\d{4}-\d{6}", client.get(sent.headers["Location"]).get_data(as_text=True)).group(0)
    with app.app_context():
        services.record_event(session, reference, "answered", agent="Anna")
        session.commit()
    [rating_mail] = _messages(app, "rating", address)
    assert_no_english(locale, "rating request", _mail_segments(rating_mail))
    link = re.search(r"http://portal\.test(/\S+choice=great)", rating_mail["text"]).group(1)
    assert_no_english(locale, "rating page", shown_text(_page(client, link, locale)))
    saved = client.post(link.split("?")[0], data={"score": "great"}, headers=headers)
    assert saved.status_code == 200 and f'<html lang="{locale}"' in saved.get_data(as_text=True)
    assert_no_english(locale, "rating saved", shown_text(saved.get_data(as_text=True)))
    broken = link.split("?")[0][:-3] + "xyz"
    assert_no_english(locale, "broken rating link", shown_text(_page(client, broken, locale, expect=404)))
    with app.app_context():
        idea = session.scalars(select(Idea)).one()
        ideas.update(session, idea, status="shipped", release_url="https://example.com/releases/5")
    [shipped] = _messages(app, "idea", address)
    assert_no_english(locale, "idea shipped", _mail_segments(shipped))

    client.set_cookie("lang", locale)
    login(client, staff("operator"))
    for path in ("/staff/support/", "/staff/support/happiness", "/staff/support/volume", "/staff/support/ideas/",
                 f"/staff/support/ideas/{idea.id}", f"/staff/support/tickets/{reference}"):
        response = client.get(path, headers={"Accept-Language": "en"})
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert f'<html lang="{locale}"' in html, f"{path} is not in {locale}"
        assert_no_english(locale, path, shown_text(html))
