"""The ticket form in a real Chromium: suggestions, the personal-data guard, upload, confirmation."""
from __future__ import annotations

import re

import pytest
from PIL import Image
from sqlalchemy import select

from portal import db

pytestmark = pytest.mark.browser


@pytest.fixture
def articles(app):
    from portal.kb.models import Article
    from portal.search import services as search

    with app.app_context():
        db.session.add_all([
            Article(slug="checkout-payment-error", locale="en", title="Checkout shows a payment error",
                    body_md="x", status="published",
                    body_text="If the checkout shows a payment error after clicking pay, reconnect the payment provider."),
            Article(slug="stock-sync", locale="en", title="Stock sync stopped",
                    body_md="x", status="published",
                    body_text="When stock levels stop updating, check the sync schedule."),
        ])
        db.session.commit()
        search.rebuild_index()


def test_customer_sees_suggestions_masks_personal_data_and_sends(app, articles, live_server, page, tmp_path):  # noqa: F811
    screenshot = tmp_path / "screenshot.png"
    Image.new("RGB", (64, 48), (240, 80, 60)).save(screenshot, "PNG")

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/en/contact/")
    page.get_by_role("link", name=re.compile("Technical problem")).click()
    page.wait_for_url(re.compile(r"/en/contact/technical$"))

    page.get_by_label("Your e-mail address").fill("jan@shop.example")
    page.get_by_label("Subject").press_sequentially("checkout payment error", delay=20)
    suggestions = page.locator("#ticket-suggestions")
    suggestions.get_by_role("link", name=re.compile("Checkout shows a payment error")).wait_for()
    assert suggestions.get_attribute("aria-live") == "polite"
    link = suggestions.get_by_role("link", name=re.compile("Checkout shows a payment error"))
    assert link.get_attribute("target") == "_blank"

    description = page.get_by_label("What happens?")
    description.fill("Payment fails. Mail me at piet@example.com please.")
    warning = page.locator("#field-description-pii")
    warning.get_by_text("This looks like personal data").wait_for()
    assert "p***@example.com" in warning.inner_text()
    warning.get_by_role("button", name="Mask").click()
    assert description.input_value() == "Payment fails. Mail me at p***@example.com please."
    assert warning.inner_text().strip() == ""

    page.get_by_label("Product").select_option("shop")
    page.get_by_label("Nothing urgent").check()
    page.get_by_label("Screenshot").set_input_files(str(screenshot))
    page.get_by_role("button", name="Send my message").click()

    page.wait_for_url(re.compile(r"/en/contact/sent/"))
    reference = page.locator("[data-ticket-reference]").inner_text()
    assert re.fullmatch(r"T-20\d\d-\d{6}", reference)
    assert page.get_by_role("heading", name="Thank you, we received your message").is_visible()
    assert errors == []

    from portal.tickets.models import Ticket, TicketField

    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.reference == reference and len(ticket.attachments) == 1
        text = db.session.scalars(select(TicketField.value).where(TicketField.name == "description")).one()
    assert "piet@example.com" not in text


def test_urgent_answer_reveals_help_and_solved_ends_the_attempt(app, articles, live_server, page):  # noqa: F811
    from portal.tickets.models import DeflectionEvent

    page.goto(f"{live_server.url}/en/contact/technical")
    urgent_help = page.locator("#urgent-help")
    assert urgent_help.is_hidden()
    page.get_by_label("Payments are failing").check()
    assert urgent_help.is_visible()
    page.get_by_label("Nothing urgent").check()
    assert urgent_help.is_hidden()

    page.get_by_label("Subject").press_sequentially("stock sync", delay=20)
    page.get_by_label("What happens?").fill("Levels stopped updating yesterday.")
    page.wait_for_timeout(400)  # the draft is saved after a short pause
    page.reload()
    assert page.get_by_label("Subject").input_value() == "stock sync"  # the draft survived
    assert page.get_by_label("What happens?").input_value() == "Levels stopped updating yesterday."
    suggestion = page.locator("#ticket-suggestions li", has_text="Stock sync stopped")
    suggestion.wait_for()
    suggestion.get_by_role("button", name="This solved my problem").click()
    page.get_by_role("heading", name="Great, glad that helped!").wait_for()

    with app.app_context():
        for _ in range(50):  # the events are sent in the background
            names = set(db.session.scalars(select(DeflectionEvent.event)))
            if {"started", "suggestions_shown", "solved"} <= names:
                break
            db.session.rollback()
            page.wait_for_timeout(100)
    assert {"started", "suggestions_shown", "solved"} <= names


def test_the_browser_guard_agrees_with_the_server(live_server, page):  # noqa: F811
    """The same texts give the same findings and masks in tickets.js and pii.py."""
    from portal.tickets import pii
    from tests.test_tickets_pii import test_numbers_that_are_not_personal_data_are_left_alone as negatives
    from tests.test_tickets_pii import test_personal_data_is_found_and_masked as positives

    def cases(test):
        for mark in test.pytestmark:
            if mark.name == "parametrize":
                return [args[0] if isinstance(args, tuple) else args for args in mark.args[1]]
        return []

    texts = cases(positives) + cases(negatives) + [
        "Hi, I'm jan@shop.nl, +31 6 12345678, paid from NL91ABNA0417164300.",
        "server fe80::1ff:fe23:4567:890a and 10.0.0.1, card 4111 1111 1111 1111 2027",
    ]
    page.goto(f"{live_server.url}/en/contact/technical")
    browser_findings = page.evaluate(
        """texts => {
            const form = document.querySelector("[data-ticket-form]");
            const guard = new window.portalTickets.PiiGuard(JSON.parse(form.getAttribute("data-pii-patterns")));
            return texts.map(t => guard.find(t).map(f => [f.kind, f.start, f.end, f.masked]));
        }""", texts)
    server_findings = [[[f.kind, f.start, f.end, f.masked] for f in pii.find_pii(t)] for t in texts]
    assert len(texts) > 40
    for text, in_browser, on_server in zip(texts, browser_findings, server_findings):
        assert in_browser == on_server, text


def test_the_browser_guard_follows_the_rules_the_page_embeds(live_server, page):  # noqa: F811
    """tickets/pii.js has no rules of its own: change the embedded data file's rules and its findings change."""
    import json

    from portal.tickets import pii

    page.goto(f"{live_server.url}/en/contact/technical")
    found = page.evaluate(
        """([rules, text]) => {
            const form = document.querySelector("[data-ticket-form]");
            const embedded = JSON.parse(form.getAttribute("data-pii-patterns"));
            const kinds = (r) => new window.portalTickets.PiiGuard(r).find(text).map(f => f.kind);
            const changed = JSON.parse(JSON.stringify(rules));
            delete changed.patterns.email;       // no e-mail pattern: no e-mail finding
            changed.phoneDigits.trunk = [11, 12]; // 06-12345678 has 10 digits
            changed.ibanLengths.NL = 17;          // a wrong length fails the check digits
            return [embedded, kinds(rules), kinds(changed)];
        }""", [json.loads(pii.RULES_PATH.read_text(encoding="utf-8")), "jan@shop.nl, 06-12345678, NL91ABNA0417164300"])
    embedded, with_file, with_changed = found
    assert embedded == pii.RULES
    assert with_file == ["email", "phone", "iban"]
    assert with_changed == []
