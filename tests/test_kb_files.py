"""Files round trip: `portal export` then `portal import` changes nothing; a file
whose article was edited in the browser since its last import is a conflict."""
from __future__ import annotations

import frontmatter
from sqlalchemy import func, select

from portal.content import import_paths
from portal.db import session
from portal.kb import services
from portal.kb.export import export_articles
from portal.kb.models import Article, ArticleRevision, Category

SOURCE = """---
title: Connect your webshop
locale: en
category: getting-started
tags: [shop, setup]
questions:
  - How do I link my shop?
  - Shop koppelen lukt niet
summary: Link your shop in five minutes.
order: 2
ms.author: someone
ms.date: 2024-03-01
---
Open **Settings**.

| a | b |
|---|---|
| 1 | 2 |
"""

CATEGORY = """---
kind: category
title: Getting started
locale: en
order: 1
icon: rocket
---
The first steps.
"""


def snapshot(app) -> list[tuple]:
    with app.app_context():
        articles = [(a.slug, a.locale, a.title, a.body_md, a.category_slug, a.tags, a.questions, a.summary,
                     a.position, a.status, a.visibility, a.extra, a.draft_revision_id, a.updated_at)
                    for a in session.scalars(select(Article).order_by(Article.id))]
        categories = [(c.slug, c.locale, c.title, c.summary, c.icon, c.position)
                      for c in session.scalars(select(Category).order_by(Category.id))]
        revisions = session.scalar(select(func.count(ArticleRevision.id)))
    return [articles, categories, revisions]


def setup_content(app, tmp_path):
    folder = tmp_path / "src" / "en" / "getting-started"
    folder.mkdir(parents=True)
    (folder / "connect-your-webshop.md").write_text(SOURCE, encoding="utf-8")
    (folder / "_category.md").write_text(CATEGORY, encoding="utf-8")
    with app.app_context():
        assert import_paths([tmp_path / "src"], ).failed == []
        # browser-made content: an internal article, an unpublished one, a live one with a pending draft
        services.save_article(slug="staff-only", locale="en", title="Staff only", body_md="Secret\r\nsteps  \n",
                              visibility="internal", questions=["Internal question?"], author="w")
        services.save_article(slug="not-yet", locale="nl", title="Nog niet", body_md="Concept", status="draft",
                              category="billing", author="w")
        services.save_article(slug="live", locale="en", title="Live", body_md="Live text", author="w")
        services.save_article(slug="live", locale="en", title="Live", body_md="Pending text", status="draft", author="w")


def test_export_then_import_changes_nothing(app, tmp_path):
    setup_content(app, tmp_path)
    before = snapshot(app)
    with app.app_context():
        report = export_articles(tmp_path / "out")
    assert report.articles == 4 and report.drafts_not_exported == ["en/live"]
    written = frontmatter.load(tmp_path / "out" / "en" / "getting-started" / "connect-your-webshop.md")
    assert written["questions"] == ["How do I link my shop?", "Shop koppelen lukt niet"]
    assert (written["order"], written["tags"], written["ms.author"]) == (2, ["shop", "setup"], "someone")
    assert frontmatter.load(tmp_path / "out" / "en" / "general" / "staff-only.md")["visibility"] == "internal"
    assert frontmatter.load(tmp_path / "out" / "nl" / "billing" / "not-yet.md")["status"] == "draft"
    assert frontmatter.load(tmp_path / "out" / "en" / "general" / "live.md").content == "Live text"

    with app.app_context():
        again = import_paths([tmp_path / "out"])
    assert (again.created, again.updated, again.failed, again.conflicts) == (0, 0, [], [])
    assert again.unchanged == 4 + report.categories
    assert snapshot(app) == before


def test_exported_pending_drafts_read_back_as_the_same_draft(app, tmp_path):
    setup_content(app, tmp_path)
    before = snapshot(app)
    with app.app_context():
        report = export_articles(tmp_path / "out", drafts=True)
        assert report.drafts_exported == ["en/live"]
        again = import_paths([tmp_path / "out"])
    assert (again.created, again.updated, again.conflicts) == (0, 0, [])
    assert frontmatter.load(tmp_path / "out" / "en" / "general" / "live.md")["status"] == "draft"
    assert snapshot(app) == before


def test_export_filters_by_locale_and_category(app, tmp_path):
    setup_content(app, tmp_path)
    with app.app_context():
        report = export_articles(tmp_path / "nl", locale="nl")
        assert report.articles == 1 and (tmp_path / "nl" / "nl" / "billing" / "not-yet.md").exists()
        report = export_articles(tmp_path / "gs", category="getting-started")
    assert report.articles == 1 and report.categories == 1
    assert (tmp_path / "gs" / "en" / "getting-started" / "_category.md").exists()


def test_a_file_edited_in_the_browser_since_import_is_a_conflict(app, tmp_path):
    setup_content(app, tmp_path)
    source = tmp_path / "src" / "en" / "getting-started" / "connect-your-webshop.md"
    with app.app_context():
        article = services.find_article("connect-your-webshop", "en")
        services.save_article(slug=article.slug, locale="en", title=article.title, body_md="Edited in the browser.",
                              category=article.category_slug, tags=article.tags, summary=article.summary,
                              position=article.position, author="editor@staff.test")
        edit_id = services.latest_revision(article).id
    source.write_text(SOURCE.replace("Open **Settings**.", "Open **Preferences**."), encoding="utf-8")
    with app.app_context():
        report = import_paths([source])
        assert report.updated == 0 and len(report.conflicts) == 1
        path, reason = report.conflicts[0]
        assert path.endswith("connect-your-webshop.md")
        assert f"revision #{edit_id}" in reason and "editor@staff.test" in reason and "--force" in reason
        assert services.find_article("connect-your-webshop", "en").body_md == "Edited in the browser."

        # an unchanged file never conflicts: nothing to overwrite with
        forced = import_paths([source], force=True)
        assert forced.updated == 1
        article = services.find_article("connect-your-webshop", "en")
        assert "Preferences" in article.body_md
        notes = [r.body_md for r in session.scalars(select(ArticleRevision).where(
            ArticleRevision.article_id == article.id))]
        assert "Edited in the browser." in notes  # still in the history
        assert import_paths([source]).unchanged == 1


def test_import_cli_reports_conflicts(app, runner, tmp_path):
    setup_content(app, tmp_path)
    source = tmp_path / "src" / "en" / "getting-started" / "connect-your-webshop.md"
    with app.app_context():
        article = services.find_article("connect-your-webshop", "en")
        services.save_article(slug=article.slug, locale="en", title="Browser title", body_md=article.body_md,
                              category=article.category_slug, author="editor@staff.test")
    source.write_text(SOURCE.replace("Link your shop", "Connect your shop"), encoding="utf-8")
    result = runner.invoke(args=["import", "--strict", str(source)])
    assert result.exit_code == 1
    assert "CONFLICT" in result.output and "connect-your-webshop.md" in result.output
    assert "1 conflict(s) not overwritten" in result.output
    export = runner.invoke(args=["export", str(tmp_path / "cli"), "--locale", "en"])
    assert export.exit_code == 0 and "article(s)" in export.output
    assert runner.invoke(args=["export", str(tmp_path / "x"), "--locale", "xx"]).exit_code != 0


def test_the_sample_help_center_survives_the_round_trip(app, tmp_path):
    from tests.conftest import ROOT

    with app.app_context():
        first = import_paths([ROOT / "articles"])
        assert first.failed == [] and first.created > 10
    before = snapshot(app)
    with app.app_context():
        export_articles(tmp_path / "out")
        again = import_paths([tmp_path / "out"])
    assert (again.created, again.updated, again.failed, again.conflicts) == (0, 0, [], [])
    assert snapshot(app) == before


def test_a_file_with_a_slug_renamed_in_the_browser_is_a_conflict(app, tmp_path):
    from portal.kb import workflow

    setup_content(app, tmp_path)
    source = tmp_path / "src" / "en" / "getting-started" / "connect-your-webshop.md"
    with app.app_context():
        workflow.rename("connect-your-webshop", "link-your-webshop", author="editor@staff.test")
    source.write_text(SOURCE.replace("Open **Settings**.", "Open **Preferences**."), encoding="utf-8")
    with app.app_context():
        report = import_paths([source])
        assert report.created == 0 and "renamed to 'link-your-webshop'" in report.conflicts[0][1]
        assert services.find_article("connect-your-webshop", "en") is None


def test_a_draft_file_of_a_live_article_becomes_its_pending_draft(app, tmp_path):
    setup_content(app, tmp_path)
    source = tmp_path / "src" / "en" / "getting-started" / "connect-your-webshop.md"
    source.write_text(SOURCE.replace("order: 2", "order: 2\nstatus: draft").replace("Open **Settings**.", "Reworked."),
                      encoding="utf-8")
    with app.app_context():
        assert import_paths([source]).updated == 1
        article = services.find_article("connect-your-webshop", "en")
        assert article.is_published and article.body_md.startswith("Open **Settings**.")  # live unchanged
        assert services.editable_content(article)["body_md"].startswith("Reworked.")
        assert import_paths([source]).unchanged == 1
