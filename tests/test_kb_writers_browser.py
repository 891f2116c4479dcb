"""The writers' loop in a real browser: a draft of a live article while
customers keep reading the published text, publishing it, the diff between
revisions, and restoring an old revision as a draft."""
from __future__ import annotations

import pytest

from portal.kb import services
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def live_article(app):
    with app.app_context():
        article, _ = services.save_article(slug="return-labels", locale="en", title="Return labels",
                                           body_md="## Steps\n\nOpen **Returns** and print the label.",
                                           category="shipping", author="someone@staff.test")
        return article.id


def sign_in(page, base, user):
    page.goto(f"{base}/staff/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/staff/login" not in url)


def click_and_wait(page, selector_or_locator):
    """Click something that submits a form and wait for the page it leads to."""
    with page.expect_navigation():
        if isinstance(selector_or_locator, str):
            page.click(selector_or_locator)
        else:
            selector_or_locator.click()


def customer_text(browser, url) -> str:
    context = browser.new_context()
    try:
        customer = context.new_page()
        customer.goto(url)
        return customer.locator(".article-body").inner_text()
    finally:
        context.close()


def test_draft_beside_live_then_publish(live_article, live_server, page, browser, staff):
    article_url = f"{live_server.url}/en/articles/return-labels"
    sign_in(page, live_server.url, staff("writer"))
    page.goto(f"{live_server.url}/staff/articles/{live_article}/edit")
    page.fill("textarea[name=body]", "## Steps\n\nOpen **Orders** and print the label.")
    page.fill("input[name=note]", "menu renamed")
    click_and_wait(page, "button[value=draft]")
    assert "Customers keep reading the published version" in page.locator(".flashes").inner_text()
    assert page.locator("textarea[name=body]").input_value().startswith("## Steps\n\nOpen **Orders**")

    assert "Open Returns" in customer_text(browser, article_url)  # unchanged until published
    click_and_wait(page, "button:has-text(\"Publish the draft\")")
    assert "Published." in page.locator(".flashes").inner_text()
    assert "Open Orders" in customer_text(browser, article_url)


def test_diff_page_and_restore(live_article, live_server, page, browser, staff):
    article_url = f"{live_server.url}/en/articles/return-labels"
    sign_in(page, live_server.url, staff("writer"))
    page.goto(f"{live_server.url}/staff/articles/{live_article}/edit")
    page.fill("textarea[name=body]", "## Steps\n\nOpen **Orders** and print the label.")
    click_and_wait(page, "button[value=publish]")

    click_and_wait(page, "text=Latest changes")
    rendered = page.locator(".kb-diff-rendered")
    assert rendered.locator("del").first.inner_text() == "Returns"
    assert rendered.locator("ins").first.inner_text() == "Orders"
    assert page.locator(".kb-diff-markdown del").first.inner_text() == "**Returns**"

    click_and_wait(page, "text=All revisions")
    click_and_wait(page, page.locator("tbody tr").nth(1).locator("button:has-text(\"Restore as draft\")"))
    assert "Restored as a draft" in page.locator(".flashes").inner_text()
    assert "Open **Returns**" in page.locator("textarea[name=body]").input_value()
    assert "Open Orders" in customer_text(browser, article_url)  # the restore is a draft
    click_and_wait(page, "button:has-text(\"Publish the draft\")")
    assert "Open Returns" in customer_text(browser, article_url)
