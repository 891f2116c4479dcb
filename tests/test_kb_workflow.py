"""Writers' workflow: drafts beside the live article, publish/discard/unpublish,
scheduled publishing, edit conflicts, revisions with diff and restore,
outdated translations, renames with redirects."""
from __future__ import annotations

import re
from html import unescape
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.db import session, utcnow
from portal.kb import services, workflow
from portal.kb.models import Article, ArticleRedirect, ArticleRevision

FORM = {"title": "Return labels", "category": "shipping", "tags": "returns", "summary": "Print one.",
        "order": "", "visibility": "public", "questions": "", "body": "Old text that customers read."}


def make_live(app, slug="return-labels", locale="en", body="Old text that customers read.", title="Return labels"):
    with app.app_context():
        article, _ = services.save_article(slug=slug, locale=locale, title=title, body_md=body, category="shipping",
                                           tags=["returns"], summary="Print one.", author="writer0@staff.test")
        return article.id


def base_revision(client, article_id) -> str:
    page = client.get(f"/staff/articles/{article_id}/edit").get_data(as_text=True)
    return re.search(r'name="base_revision" type="hidden" value="(\d+)"|'
                     r'name="base_revision" value="(\d+)"|id="base_revision" name="base_revision" type="hidden" value="(\d+)"',
                     page).group(0).rsplit('"', 2)[1]


def customer_page(app, path="/en/articles/return-labels"):
    response = app.test_client().get(path)
    return response.status_code, response.get_data(as_text=True)


def test_a_draft_of_a_live_article_leaves_the_live_version_alone(app, client, staff, login):
    article_id = make_live(app)
    login(client, staff("writer"))
    base = base_revision(client, article_id)
    saved = client.post(f"/staff/articles/{article_id}/edit",
                        data={**FORM, "body": "New text in progress.", "action": "draft", "base_revision": base})
    assert saved.status_code == 302
    status, html = customer_page(app)
    assert status == 200 and "Old text that customers read." in html and "New text in progress" not in html
    editor = client.get(f"/staff/articles/{article_id}/edit").get_data(as_text=True)
    assert "New text in progress." in editor and "Publish the draft" in editor
    with app.app_context():
        from portal.search.services import suggest
        assert [hit["slug"] for hit in suggest("customers read", "en", 5)] == ["return-labels"]
        assert suggest("progress", "en", 5) == []  # search keeps indexing the live text

    assert client.post(f"/staff/articles/{article_id}/publish").status_code == 302
    status, html = customer_page(app)
    assert "New text in progress." in html and "Old text" not in html
    with app.app_context():
        article = session.get(Article, article_id)
        assert article.draft_revision_id is None and article.is_published


def test_discarding_a_draft_keeps_the_live_version_and_unpublish_is_explicit(app, client, staff, login):
    article_id = make_live(app)
    login(client, staff("writer"))
    client.post(f"/staff/articles/{article_id}/edit",
                data={**FORM, "body": "Throwaway.", "action": "draft", "base_revision": base_revision(client, article_id)})
    client.post(f"/staff/articles/{article_id}/discard")
    assert "Old text that customers read." in customer_page(app)[1]
    editor = client.get(f"/staff/articles/{article_id}/edit").get_data(as_text=True)
    assert "Throwaway." not in editor and "Old text that customers read." in editor

    client.post(f"/staff/articles/{article_id}/unpublish")
    assert customer_page(app)[0] == 404
    with app.app_context():
        assert session.get(Article, article_id).body_md == "Old text that customers read."  # kept as a draft


def test_scheduled_draft_goes_live_once_even_with_two_workers(app, client, staff, login):
    article_id = make_live(app)
    login(client, staff("writer"))
    response = client.post(f"/staff/articles/{article_id}/edit",
                           data={**FORM, "body": "Scheduled text.", "action": "schedule", "publish_at": "2099-01-02T09:30",
                                 "base_revision": base_revision(client, article_id)})
    assert response.status_code == 302
    with app.app_context():
        article = session.get(Article, article_id)
        # 09:30 in Amsterdam (UTC+1 in January) is 08:30 UTC
        assert (article.publish_at.hour, article.publish_at.minute) == (8, 30)
        assert workflow.publish_due() == 0  # not yet
    listing = client.get("/staff/articles/?status=scheduled").get_data(as_text=True)
    assert "Goes live" in listing and f"/staff/articles/{article_id}/edit" in listing
    assert "Old text" in customer_page(app)[1]

    with app.app_context():
        due_time = utcnow() - timedelta(minutes=1)
        session.execute(update(Article).where(Article.id == article_id).values(publish_at=due_time))
        session.commit()
        later = utcnow()
        assert workflow.publish_due(later) == 1
        assert workflow.publish_due(later) == 0  # idempotent: the claim cleared publish_at
        revisions = session.scalars(select(ArticleRevision).where(ArticleRevision.article_id == article_id)).all()
        assert sum(1 for r in revisions if r.note == "published as scheduled") == 1
    assert "Scheduled text." in customer_page(app)[1]


def test_a_second_worker_cannot_publish_what_the_first_claimed(app):
    article_id = make_live(app)
    with app.app_context():
        article = session.get(Article, article_id)
        services.save_article(slug=article.slug, locale="en", title="Return labels", body_md="Draft.",
                              category="shipping", status="draft", author="w")
        when = utcnow() - timedelta(seconds=5)
        session.execute(update(Article).where(Article.id == article_id).values(publish_at=when))
        session.commit()
        # the other worker claims it first (the same conditional update)
        session.execute(update(Article).where(Article.id == article_id, Article.publish_at == when)
                        .values(publish_at=None))
        session.commit()
        assert workflow.publish_due() == 0
        assert session.get(Article, article_id).body_md == "Old text that customers read."


def test_scheduling_in_the_past_is_refused_with_a_reason(app, client, staff, login):
    article_id = make_live(app)
    login(client, staff("writer"))
    response = client.post(f"/staff/articles/{article_id}/edit",
                           data={**FORM, "body": "x", "action": "schedule", "publish_at": "2001-01-01T10:00",
                                 "base_revision": base_revision(client, article_id)})
    assert response.status_code == 200 and "in the future" in response.get_data(as_text=True)
    bad = client.post(f"/staff/articles/{article_id}/edit",
                      data={**FORM, "action": "schedule", "publish_at": "next tuesday",
                            "base_revision": base_revision(client, article_id)})
    assert bad.status_code == 200 and "YYYY-MM-DD" in bad.get_data(as_text=True)


def test_two_writers_get_a_conflict_not_a_silent_overwrite(app, make_app, staff, login):
    article_id = make_live(app)
    first, second = app.test_client(), app.test_client()
    login(first, staff("writer"))
    login(second, staff("writer"))
    base_first, base_second = base_revision(first, article_id), base_revision(second, article_id)
    assert first.post(f"/staff/articles/{article_id}/edit",
                      data={**FORM, "body": "First writer's words.", "action": "publish",
                            "base_revision": base_first}).status_code == 302
    conflict = second.post(f"/staff/articles/{article_id}/edit",
                           data={**FORM, "body": "Second writer's words.", "action": "publish",
                                 "base_revision": base_second})
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409 and "Someone else saved this article" in html
    assert "<ins>" in html and "Keep mine as a new draft" in html
    assert "First writer" in customer_page(app)[1]  # nothing overwritten

    kept = {key: unescape(value) for key, value in
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)}
    kept.pop("csrf_token", None)
    assert second.post(f"/staff/articles/{article_id}/edit", data={**kept, "action": "draft"}).status_code == 302
    with app.app_context():
        article = session.get(Article, article_id)
        assert "First writer" in article.body_md  # still live
        assert services.editable_content(article)["body_md"] == "Second writer's words."  # kept as the draft


def test_front_matter_fields_are_saved_from_the_form(app, client, staff, login):
    login(client, staff("writer"))
    response = client.post("/staff/articles/new", data={
        **FORM, "slug": "new-one", "locale": "en", "new_category": "returns", "order": "3", "visibility": "internal",
        "questions": "How do I send something back?\n\nhow do i   send something back?\nWhere is my label?",
        "tags": "Returns, Labels, returns", "action": "publish"})
    assert response.status_code == 302
    with app.app_context():
        article = services.find_article("new-one", "en")
        assert (article.category_slug, article.position, article.visibility) == ("returns", 3, "internal")
        assert article.questions == ["How do I send something back?", "how do i send something back?",
                                     "Where is my label?"]
        assert article.tags == ["returns", "labels"]
    editor = client.get(f"/staff/articles/{article.id}/edit").get_data(as_text=True)
    assert "Where is my label?" in editor and 'value="internal" selected' in editor
    # the hooks the live preview (static/js/editor.js) attaches to
    assert "data-editor-form" in editor and "data-editor-body" in editor and "data-editor-preview" in editor


def test_history_diff_and_restore(app, client, staff, login):
    article_id = make_live(app, body="## Steps\n\nOpen **Returns** and print the label.")
    login(client, staff("writer"))
    client.post(f"/staff/articles/{article_id}/edit",
                data={**FORM, "title": "Return labels, step by step", "body": "## Steps\n\nOpen **Orders** and print the label.",
                      "action": "publish", "note": "orders menu moved", "base_revision": base_revision(client, article_id)})
    history = client.get(f"/staff/articles/{article_id}/revisions").get_data(as_text=True)
    assert "orders menu moved" in history and "writer0@staff.test" in history
    diff = client.get(f"/staff/articles/{article_id}/diff").get_data(as_text=True)
    # the rendered text (no ** markers) with word-level marks, and the markdown side by side
    assert "<del>Returns</del><ins>Orders</ins>" in diff
    assert "Open <del>**Returns**</del> and" in diff and "Open <ins>**Orders**</ins> and" in diff
    assert "step by step" in diff  # the title field changed
    with app.app_context():
        first = session.scalars(select(ArticleRevision).where(ArticleRevision.article_id == article_id)
                                .order_by(ArticleRevision.id)).first()
        first_id = first.id
    assert client.get(f"/staff/articles/{article_id}/diff?a={first_id}&b=999999").status_code == 404

    assert client.post(f"/staff/articles/{article_id}/revisions/{first_id}/restore").status_code == 302
    status, html = customer_page(app)
    assert "Orders" in html  # live stays live: the restore is a draft
    with app.app_context():
        article = session.get(Article, article_id)
        assert services.editable_content(article)["body_md"].endswith("Open **Returns** and print the label.")
        assert services.editable_content(article)["title"] == "Return labels"


def test_translation_is_outdated_when_the_source_changes_until_updated_or_marked(app, client, staff, login):
    make_live(app, body="English v1")
    nl_id = make_live(app, locale="nl", body="Nederlands v1", title="Retourlabels")
    with app.app_context():
        services.save_article(slug="return-labels", locale="en", title="Return labels", body_md="English v2",
                              category="shipping", author="w")
        assert session.get(Article, nl_id).outdated_since is not None
    login(client, staff("writer"))
    listing = client.get("/staff/articles/?status=outdated").get_data(as_text=True)
    assert f"/staff/articles/{nl_id}/edit" in listing
    editor = client.get(f"/staff/articles/{nl_id}/edit").get_data(as_text=True)
    assert "English v2" in editor and "kb-source-pane" in editor  # the source beside the translation
    assert "Het origineel van dit artikel is onlangs bijgewerkt" in customer_page(app, "/nl/articles/return-labels")[1]

    client.post(f"/staff/articles/{nl_id}/mark-current")
    with app.app_context():
        assert session.get(Article, nl_id).outdated_since is None
        services.save_article(slug="return-labels", locale="en", title="Return labels", body_md="English v3",
                              category="shipping", author="w")
        assert session.get(Article, nl_id).outdated_since is not None
        services.save_article(slug="return-labels", locale="nl", title="Retourlabels", body_md="Nederlands v3",
                              category="shipping", author="w")
        assert session.get(Article, nl_id).outdated_since is None
        # a change of a translation never marks the source outdated
        assert services.find_article("return-labels", "en").outdated_since is None


def test_new_translation_starts_from_the_source(app, client, staff, login):
    en_id = make_live(app, body="English text")
    login(client, staff("writer"))
    page = client.get(f"/staff/articles/new?translate={en_id}&locale=de").get_data(as_text=True)
    assert 'value="return-labels"' in page and "kb-source-pane" in page and "English text" in page


def test_renames_redirect_every_old_url_straight_to_the_newest(app, client, staff, login):
    make_live(app, slug="a-slug")
    make_live(app, slug="a-slug", locale="nl", title="Retour")
    with app.app_context():
        workflow.rename("a-slug", "b-slug", author="w")
        workflow.rename("b-slug", "c-slug", author="w")
    anonymous = app.test_client()
    for locale in ("en", "nl"):
        for old in ("a-slug", "b-slug"):
            response = anonymous.get(f"/{locale}/articles/{old}")
            assert response.status_code == 301 and response.location.endswith(f"/{locale}/articles/c-slug")
        assert anonymous.get(f"/{locale}/articles/c-slug").status_code == 200
    with app.app_context():
        workflow.rename("c-slug", "a-slug", author="w")  # back to the first name: no loop
        pairs = {(r.locale, r.old_slug, r.new_slug) for r in session.scalars(select(ArticleRedirect))}
        assert pairs == {(l, old, "a-slug") for l in ("en", "nl") for old in ("b-slug", "c-slug")}
    assert anonymous.get("/en/articles/a-slug").status_code == 200
    assert anonymous.get("/en/articles/b-slug").location.endswith("/en/articles/a-slug")

    login(client, staff("writer"))
    assert client.get("/staff/articles/redirects").status_code == 403  # admins only
    admin = app.test_client()
    login(admin, staff("admin"))
    listing = admin.get("/staff/articles/redirects").get_data(as_text=True)
    assert "/nl/articles/c-slug" in listing
    with app.app_context():
        redirect_id = session.scalar(select(ArticleRedirect.id).where(ArticleRedirect.old_slug == "c-slug",
                                                                      ArticleRedirect.locale == "nl"))
    assert admin.post(f"/staff/articles/redirects/{redirect_id}/delete").status_code == 302
    assert anonymous.get("/nl/articles/c-slug").status_code == 404


def test_rename_from_the_editor_and_to_a_taken_slug(app, client, staff, login):
    article_id = make_live(app)
    make_live(app, slug="taken")
    login(client, staff("writer"))
    client.post(f"/staff/articles/{article_id}/edit",
                data={**FORM, "slug": "printing-return-labels", "action": "publish",
                      "base_revision": base_revision(client, article_id)})
    assert customer_page(app)[0] == 301
    response = client.post(f"/staff/articles/{article_id}/edit", follow_redirects=True,
                           data={**FORM, "slug": "taken", "action": "publish",
                                 "base_revision": base_revision(client, article_id)})
    assert "already used" in response.get_data(as_text=True)
    with pytest.raises(services.ArticleError):
        with app.app_context():
            workflow.rename("printing-return-labels", "Not A Slug", author="w")


def test_the_worker_publishes_due_drafts_through_the_registered_periodic_job(app):
    from portal.outbox import worker

    article_id = make_live(app)
    with app.app_context():
        services.save_article(slug="return-labels", locale="en", title="Return labels", body_md="Due now.",
                              category="shipping", status="draft", author="w")
        session.execute(update(Article).where(Article.id == article_id)
                        .values(publish_at=utcnow() - timedelta(minutes=1)))
        session.commit()
    assert workflow.publish_due in app.extensions["portal.periodic_jobs"]
    worker._run_periodic_jobs(app)
    with app.app_context():
        article = session.get(Article, article_id)
        assert (article.body_md, article.publish_at, article.draft_revision_id) == ("Due now.", None, None)
