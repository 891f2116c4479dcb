"""The staff article editor: access, preview, draft/publish, revisions."""
from __future__ import annotations

from sqlalchemy import select

from portal.db import session
from portal.kb import services
from portal.kb.models import Article

NEW = {"title": "Return labels", "slug": "return-labels", "locale": "en", "category": "shipping",
       "tags": "Returns, labels", "summary": "Print a return label.", "order": "4",
       "body": "## Steps\n\nOpen **Returns**.<script>alert(1)</script>"}


def test_editor_needs_a_writer(client, staff, login):
    assert client.get("/staff/articles/").status_code == 302  # to the sign-in page
    login(client, staff("operator"))
    assert client.get("/staff/articles/").status_code == 403


def test_preview_renders_without_saving(client, staff, login, app):
    login(client, staff("writer"))
    response = client.post("/staff/articles/new", data={**NEW, "action": "preview"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Preview (not saved)" in html
    assert '<h2 id="steps">Steps</h2>' in html and "<script>alert" not in html
    with app.app_context():
        assert session.scalar(select(Article)) is None


def test_save_draft_then_publish_keeps_revisions(client, staff, login, app):
    writer = staff("writer")
    login(client, writer)
    created = client.post("/staff/articles/new", data={**NEW, "action": "draft", "note": "first go"})
    assert created.status_code == 302
    with app.app_context():
        article = session.scalar(select(Article))
        assert (article.status, article.tags, article.position) == ("draft", ["returns", "labels"], 4)
        article_id = article.id
    assert client.get("/en/articles/return-labels").status_code == 404  # drafts stay hidden

    published = client.post(f"/staff/articles/{article_id}/edit",
                            data={**NEW, "body": "Better text.", "action": "publish"})
    assert published.status_code == 302
    assert client.get("/en/articles/return-labels").status_code == 200

    history = client.get(f"/staff/articles/{article_id}/revisions").get_data(as_text=True)
    assert history.count("Restore as draft</button>") == 2 and "first go" in history and writer.email in history
    listing = client.get("/staff/articles/?q=return&status=published").get_data(as_text=True)
    assert f"/staff/articles/{article_id}/edit" in listing


def test_duplicate_slug_and_bad_input_are_explained(client, staff, login, app):
    with app.app_context():
        services.save_article(slug="return-labels", locale="en", title="Existing", body_md="x")
    login(client, staff("writer"))
    duplicate = client.post("/staff/articles/new", data={**NEW, "action": "publish"})
    assert duplicate.status_code == 200 and "already exists" in duplicate.get_data(as_text=True)
    bad_slug = client.post("/staff/articles/new", data={**NEW, "slug": "Not A Slug", "action": "publish"})
    assert "lowercase letters" in bad_slug.get_data(as_text=True)
    with app.app_context():
        assert [a.title for a in session.scalars(select(Article))] == ["Existing"]


def test_editing_an_imported_article_keeps_its_source(client, staff, login, app):
    with app.app_context():
        article, _ = services.save_article(slug="imp", locale="nl", title="Geïmporteerd", body_md="x",
                                           extra={"ms.author": "a"}, source_path="/tmp/imp.md", source_hash="abc")
        article_id = article.id
    login(client, staff("admin"))
    page = client.get(f"/staff/articles/{article_id}/edit").get_data(as_text=True)
    assert "Imported from /tmp/imp.md" in page
    client.post(f"/staff/articles/{article_id}/edit",
                data={"title": "Bewerkt", "category": "general", "body": "y", "action": "publish"})
    with app.app_context():
        article = session.get(Article, article_id)
        assert (article.title, article.extra, article.source_hash) == ("Bewerkt", {"ms.author": "a"}, "abc")
