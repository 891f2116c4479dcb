"""Article feedback: "Did this help?" on three points with an optional follow-up
comment on the same record, happiness scores, the writers' inbox, and the
migration of the old yes/no answers."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, select, text

from portal import migrations
from portal.db import session
from portal.kb import feedback, services
from portal.kb.models import ArticleFeedback

ARTICLE = "/en/articles/print-labels"


@pytest.fixture
def content(app):
    with app.app_context():
        services.save_article(slug="print-labels", locale="en", title="Print shipping labels",
                              body_md="Press **Print**.", category="shipping")
        services.save_article(slug="print-labels", locale="nl", title="Verzendlabels printen",
                              body_md="Druk op **Print**.", category="shipping")
        services.save_article(slug="secret-plans", locale="en", title="Secret draft", body_md="Not yet.",
                              category="shipping", status="draft")
    return app


def rows(app) -> list[tuple]:
    with app.app_context():
        return [(r.rating, r.comment) for r in
                session.scalars(select(ArticleFeedback).order_by(ArticleFeedback.id))]


def json_post(client, url, data):
    return client.post(url, data=data, headers={"Accept": "application/json"})


def test_choice_is_recorded_at_once_and_the_comment_follows_on_the_same_record(client, content):
    chosen = json_post(client, f"{ARTICLE}/feedback", {"rating": "okay"})
    assert chosen.status_code == 200 and chosen.json["ok"] is True
    assert rows(content) == [("okay", None)]  # counted even if the reader writes nothing

    comment = json_post(client, f"{ARTICLE}/feedback/comment",
                        {"token": chosen.json["token"], "comment": "  The screenshot is outdated.  "})
    assert comment.status_code == 200 and "Thank you" in comment.json["message"]
    assert rows(content) == [("okay", "The screenshot is outdated.")]  # the same record, not a second one

    changed = json_post(client, f"{ARTICLE}/feedback", {"rating": "great", "token": chosen.json["token"]})
    assert changed.status_code == 200
    assert rows(content) == [("great", "The screenshot is outdated.")]


def test_feedback_works_without_javascript(client, content):
    sent = client.post(f"{ARTICLE}/feedback", data={"rating": "poor"})
    assert sent.status_code == 302
    location = sent.headers["Location"]
    assert re.search(r"/en/articles/print-labels\?feedback=[^#]+#feedback$", location)
    page = client.get(location).get_data(as_text=True)
    assert 'aria-pressed="true">Not really' in page  # the choice shows as chosen
    comment_form = re.search(r'<form[^>]*data-kb-feedback-comment[^>]*>', page).group(0)
    assert "hidden" not in comment_form  # the comment box is open
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)

    done = client.post(f"{ARTICLE}/feedback/comment", data={"token": token, "comment": "Missing step 3."})
    after = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Thank you for your feedback!" in after
    assert "Send comment" not in after and 'name="rating"' not in after  # nothing left to send
    assert rows(content) == [("poor", "Missing step 3.")]


def test_bad_feedback_gets_a_clear_answer(client, content):
    assert json_post(client, f"{ARTICLE}/feedback", {"rating": "meh"}).status_code == 400
    assert json_post(client, f"{ARTICLE}/feedback", {}).json["ok"] is False
    too_long = json_post(client, f"{ARTICLE}/feedback", {"rating": "okay", "comment": "x" * 2001})
    assert too_long.status_code == 400 and "too long" in too_long.json["message"]
    forged = json_post(client, f"{ARTICLE}/feedback/comment", {"token": "1.forged.sig", "comment": "spam"})
    assert forged.status_code == 400
    chosen = json_post(client, f"{ARTICLE}/feedback", {"rating": "great"}).json["token"]
    other_article = json_post(client, "/nl/articles/print-labels/feedback/comment",
                              {"token": chosen, "comment": "on another article"})
    assert other_article.status_code == 400  # a token is only good for its own article
    empty = json_post(client, f"{ARTICLE}/feedback/comment", {"token": chosen, "comment": "   "})
    assert empty.status_code == 400
    assert client.post("/en/articles/secret-plans/feedback", data={"rating": "great"}).status_code == 404
    assert rows(content) == [("great", None)]


def test_feedback_needs_the_csrf_token_and_stores_nothing_personal(make_app, content):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert client.post(f"{ARTICLE}/feedback", data={"rating": "great"}).status_code == 400
    html = client.get(ARTICLE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    sent = client.post(f"{ARTICLE}/feedback", data={"csrf_token": token, "rating": "great"},
                       environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert sent.status_code == 302
    assert set(ArticleFeedback.__table__.columns.keys()) == {
        "id", "article_id", "rating", "comment", "created_at", "done_at", "done_by"}  # no IP, no reader


def test_feedback_is_rate_limited_per_address(make_app, content):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    codes = [json_post(client, f"{ARTICLE}/feedback", {"rating": "great"}).status_code for _ in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429


def test_happiness_score_is_share_of_great_and_net():
    score = feedback.Happiness(great=6, okay=2, poor=2)
    assert score.total == 10 and score.great_share == 0.6 and score.net == 40
    assert feedback.Happiness().great_share is None and feedback.Happiness().net is None
    assert feedback.Happiness(great=0, okay=1, poor=3).net == -75


@pytest.fixture
def rated(content):
    with content.app_context():
        article = services.find_article("print-labels", "en")
        dutch = services.find_article("print-labels", "nl")
        for rating, comment in [("great", None), ("great", "Clear, thanks"), ("okay", None),
                                ("poor", "Step 2 is wrong")]:
            feedback.record_rating(article, rating, comment)
        feedback.record_rating(dutch, "poor", "Onduidelijk")
        return {"en": article.id, "nl": dutch.id}


def test_writers_see_scores_in_the_editor_list_and_on_the_article_page(client, rated, staff, login):
    login(client, staff("writer"))
    listing = client.get("/staff/articles/").get_data(as_text=True)
    assert "Happiness" in listing and "50 %" in listing and "+25" in listing
    editor = client.get(f"/staff/articles/{rated['en']}/edit").get_data(as_text=True)
    assert "Reader feedback" in editor and "4 answers" in editor
    assert "Step 2 is wrong" in editor and "Clear, thanks" in editor and "Onduidelijk" not in editor


def test_inbox_filters_and_marks_done(client, rated, staff, login):
    writer = staff("writer")
    login(client, writer)
    inbox = client.get("/staff/feedback/").get_data(as_text=True)
    assert "3 comments to do" in inbox
    assert all(text in inbox for text in ("Clear, thanks", "Step 2 is wrong", "Onduidelijk"))
    poor_dutch = client.get("/staff/feedback/?rating=poor&locale=nl").get_data(as_text=True)
    assert "Onduidelijk" in poor_dutch and "Step 2 is wrong" not in poor_dutch

    with client.application.app_context():
        target = session.scalar(select(ArticleFeedback.id).where(ArticleFeedback.comment == "Step 2 is wrong"))
    done = client.post(f"/staff/feedback/{target}/done", data={"next": "/staff/feedback/?state=open"})
    assert done.status_code == 302 and done.headers["Location"] == "/staff/feedback/?state=open"
    open_now = client.get("/staff/feedback/").get_data(as_text=True)
    assert "Step 2 is wrong" not in open_now and "2 comments to do" in open_now
    done_list = client.get("/staff/feedback/?state=done").get_data(as_text=True)
    assert "Step 2 is wrong" in done_list and writer.email in done_list

    client.post(f"/staff/feedback/{target}/reopen", data={"next": "https://evil.example/"})
    assert "Step 2 is wrong" in client.get("/staff/feedback/").get_data(as_text=True)
    assert client.post("/staff/feedback/999999/done").status_code == 404


def test_inbox_is_for_writers_only(client, rated, staff, login):
    assert client.get("/staff/feedback/").status_code in (302, 401)
    login(client, staff("operator"))
    assert client.get("/staff/feedback/").status_code == 403


def test_migration_keeps_old_yes_no_feedback(tmp_path):
    from alembic import command

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        command.upgrade(migrations.alembic_config(connection), "kb_0002")
        connection.execute(text(
            "INSERT INTO kb_articles (id, slug, locale, title, category_slug, tags, questions, status, body_md,"
            " body_html, body_text, headings, extra, created_at, updated_at) VALUES (1, 'a', 'en', 'A', 'general',"
            " '[]', '[]', 'published', '', '', '', '[]', '{}', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
        connection.execute(text(
            "INSERT INTO kb_article_feedback (article_id, helpful, comment, created_at) VALUES"
            " (1, 1, NULL, '2026-01-02 00:00:00'), (1, 0, 'Too short', '2026-01-03 00:00:00')"))
    migrations.upgrade(engine)
    with engine.connect() as connection:
        kept = connection.execute(text(
            "SELECT rating, comment, done_at FROM kb_article_feedback ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in kept] == [("great", None, None), ("poor", "Too short", None)]
