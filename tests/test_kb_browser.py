"""The help center in a real browser: welcome checklist progress, "mark as
done" (feedback: test_writers_browser.py)."""
from __future__ import annotations

import pytest

from portal.kb import services

pytestmark = pytest.mark.browser


@pytest.fixture
def guides(app):
    with app.app_context():
        for order, slug in enumerate(["connect-shop", "connect-carriers", "check-imports"], 1):
            services.save_article(slug=slug, locale="en", title=f"Guide {order}", body_md=f"Step {order}.",
                                  category="welcome", position=order)
    return app


def test_welcome_progress_is_kept_in_the_browser(guides, live_server, page):  # noqa: F811
    page.goto(f"{live_server.url}/en/welcome")
    progress = page.locator("[data-kb-progress-text]")
    assert progress.inner_text() == "0 of 3 done"
    page.focus("#kb-step-2")
    page.keyboard.press("Space")  # usable with the keyboard
    assert progress.inner_text() == "1 of 3 done"

    page.goto(f"{live_server.url}/en/articles/check-imports")
    assert page.locator(".kb-step-label").text_content() == "Step 3 of 3"
    done = page.locator("[data-kb-done]")
    done.click()
    assert done.get_attribute("aria-pressed") == "true"

    page.goto(f"{live_server.url}/en/welcome")
    assert progress.inner_text() == "2 of 3 done"
    assert page.is_checked("#kb-step-3") and not page.is_checked("#kb-step-1")
    page.click("[data-kb-reset]")
    assert progress.inner_text() == "0 of 3 done" and not page.is_checked("#kb-step-2")
