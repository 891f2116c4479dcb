"""The welcome letter: CLI and API, guides in order, most-read questions, once per address."""
from __future__ import annotations

import email
from datetime import timedelta
from email.policy import default as default_policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.db import new_session, session as db_session, utcnow
from portal.outbox import worker
from portal.outbox.models import Message


@pytest.fixture
def help_center(app):
    from portal.kb.models import Article, ArticleViewDaily

    def article(slug, locale, title, category="general", position=None):
        # rows, not kb.services: this tests the letter, not article saving
        item = Article(slug=slug, locale=locale, title=title, category_slug=category, position=position,
                       body_md=title, body_html=f"<p>{title}</p>", body_text=title)
        db_session.add(item)
        return item

    with app.app_context():
        article("second-steps", "en", "Connect your shop", "welcome", 2)
        article("first-steps", "en", "Create your account", "welcome", 1)
        article("eerste-stappen", "nl", "Maak je account", "welcome", 1)
        popular = article("refunds", "en", "How do refunds work?")
        old = article("old-news", "en", "An old favourite")
        some = article("shipping", "en", "Shipping costs")
        article("draft", "en", "Unpublished", "welcome", 0).status = "draft"
        db_session.flush()
        today = utcnow().date()
        db_session.add_all([
            ArticleViewDaily(article_id=popular.id, day=today, views=40),
            ArticleViewDaily(article_id=popular.id, day=today - timedelta(days=30), views=20),
            ArticleViewDaily(article_id=some.id, day=today - timedelta(days=2), views=10),
            ArticleViewDaily(article_id=old.id, day=today - timedelta(days=120), views=999),  # too old
        ])
        db_session.commit()


def _letters(app) -> list:
    return [email.message_from_bytes(p.read_bytes(), policy=default_policy)
            for p in sorted(Path(app.config["MAIL_DIR"]).glob("welcome-*.eml"))]


def test_cli_sends_the_welcome_letter_once(app, runner, help_center):
    result = runner.invoke(args=["welcome", "send", "New.Customer@Example.com", "--name", "Noor"])
    assert result.exit_code == 0 and "queued" in result.output
    again = runner.invoke(args=["welcome", "send", "new.customer@example.com"])
    assert again.exit_code == 0 and "already" in again.output
    assert worker.drain(app) == 1
    [letter] = _letters(app)
    assert letter["To"] == "new.customer@example.com"
    text = letter.get_body(("plain",)).get_content()
    assert "Hello Noor," in text
    # the guides in their order, then the most-read articles of the last 90 days
    assert text.index("Create your account") < text.index("Connect your shop") < text.index("Most common questions")
    assert text.index("How do refunds work?") < text.index("Shipping costs")
    assert "An old favourite" not in text and "Unpublished" not in text
    assert "http://portal.test/en/articles/first-steps" in text
    html = letter.get_body(("html",)).get_content()
    assert '<a href="http://portal.test/en/articles/refunds"' in html


def test_cli_refuses_a_bad_address(runner):
    result = runner.invoke(args=["welcome", "send", "nonsense"])
    assert result.exit_code != 0 and "valid e-mail address" in result.output


def test_letter_in_the_customers_language(app, runner, help_center):
    assert runner.invoke(args=["welcome", "send", "jan@example.nl", "--locale", "nl"]).exit_code == 0
    worker.drain(app)
    [letter] = _letters(app)
    text = letter.get_body(("plain",)).get_content()
    assert "Maak je account" in text and "Create your account" not in text
    assert '<html lang="nl">' in letter.get_body(("html",)).get_content()


def test_api_customers_needs_a_token_and_is_idempotent(app, staff, help_center):
    from portal.auth import services as auth

    client = app.test_client()
    body = {"email": "api@example.com", "name": "Api", "locale": "en"}
    assert client.post("/api/v1/customers", json=body).status_code == 401
    with app.app_context():
        writer_token = auth.create_api_token(staff("writer"), "hook")
        token = auth.create_api_token(staff("operator"), "signup hook")
    denied = client.post("/api/v1/customers", json=body, headers={"Authorization": f"Bearer {writer_token}"})
    assert denied.status_code == 403
    headers = {"Authorization": f"Bearer {token}"}
    first = client.post("/api/v1/customers", json=body, headers=headers)
    assert first.status_code == 202 and first.json["welcome_letter"] == "queued"
    second = client.post("/api/v1/customers", json=body, headers=headers)
    assert second.status_code == 200 and second.json["welcome_letter"] == "already_sent"
    bad = client.post("/api/v1/customers", json={"name": "x"}, headers=headers)
    assert bad.status_code == 400 and bad.is_json
    bad_address = client.post("/api/v1/customers", json={"email": "x"}, headers=headers)
    assert bad_address.status_code == 400 and "valid" in bad_address.json["error"]["message"]
    with app.app_context():
        s = new_session()
        assert s.scalar(select(func.count()).select_from(Message).where(Message.purpose == "welcome")) == 1
        s.close()
    assert worker.drain(app) == 1 and len(_letters(app)) == 1


def test_api_works_with_csrf_enabled(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    from portal.auth import services as auth

    with app.app_context():
        user = auth.create_user("ops@staff.test", "operator", password="x" * 12)
        token = auth.create_api_token(user, "hook")
    response = app.test_client().post("/api/v1/customers", json={"email": "c@example.com"},
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 202
