"""`portal import` of articles and categories: robust, idempotent, exact reports."""
from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import func, select

from portal.content import import_paths
from portal.db import session
from portal.kb.models import Article, ArticleRevision, Category

GOOD = """---
title: Connect your webshop
category: getting-started
tags: [shop, setup]
summary: Link your shop in five minutes.
order: 2
ms.author: someone
---
Open **Settings**.
"""


def write(folder, name, text, encoding="utf-8"):
    path = folder / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def run_import(app, *paths, locale=None):
    with app.app_context():
        return import_paths(paths, default_locale=locale)


def reasons(report) -> dict[str, str]:
    return {path.rsplit("/", 1)[1]: reason for path, reason in report.failed}


def test_good_file_is_imported_with_front_matter(app, tmp_path):
    write(tmp_path, "connect-shop.md", GOOD)
    report = run_import(app, tmp_path, locale="en")
    assert (report.created, report.failed) == (1, [])
    with app.app_context():
        article = session.scalar(select(Article))
        assert (article.slug, article.locale, article.category_slug) == ("connect-shop", "en", "getting-started")
        assert article.tags == ["shop", "setup"] and article.position == 2
        assert article.summary == "Link your shop in five minutes."
        assert article.extra == {"ms.author": "someone"}  # unknown keys kept
        assert "<strong>Settings</strong>" in article.body_html and article.body_text == "Open Settings."
        # an unknown category gets a placeholder so browsing works
        category = session.scalar(select(Category))
        assert (category.slug, category.locale, category.title) == ("getting-started", "en", "Getting started")


@pytest.mark.parametrize(("text", "reason"), [
    ("---\ntitle: [unclosed\n---\nbody", "front matter is not valid YAML"),
    ("---\nsummary: no title\n---\nbody", "title is missing"),
    ("---\ntitle: '   '\n---\nbody", "title is missing"),
    ("---\ntitle: [a, b]\n---\nbody", "title must be text"),
    ("---\ntitle: T\nstatus: live\n---\nbody", "status must be draft or published"),
    ("---\ntitle: T\ntags: {a: 1}\n---\nbody", "tags must be a list or comma-separated text"),
    ("---\ntitle: T\norder: first\n---\nbody", "order must be a whole number"),
    ("---\ntitle: T\nquestions: {a: 1}\n---\nbody", "questions must be a list of questions"),
    ("---\ntitle: T\nquestions: [ok, [nested]]\n---\nbody", "questions[2] must be text"),
    ("---\ntitle: T\ntags: [ok, {a: 1}]\n---\nbody", "tags[2] must be text"),
    ("---\ntitle: T\nlocale: xx\n---\nbody", "locale 'xx' is not supported"),
    ("---\ntitle: T\nslug: '!!!'\n---\nbody", "has no letters or digits"),
    ("---\ntitle: T\nkind: recipe\n---\nbody", "unknown kind 'recipe'"),
    ("", "file is empty"),
    ("---\ntitle: " + "x" * 301 + "\n---\n", "title is longer than 300 characters"),
])
def test_bad_files_are_reported_and_the_rest_imports(app, tmp_path, text, reason):
    write(tmp_path, "bad.md", text)
    write(tmp_path, "good.md", GOOD)
    report = run_import(app, tmp_path, locale="en")
    assert report.created == 1
    assert reason in reasons(report)["bad.md"]


def test_non_utf8_file_is_reported(app, tmp_path):
    write(tmp_path, "latin1.md", "---\ntitle: Café\n---\nVoilà", encoding="latin-1")
    report = run_import(app, tmp_path, locale="en")
    assert "not UTF-8" in reasons(report)["latin1.md"]


def test_locale_comes_from_front_matter_then_contentlocale_then_option(app, tmp_path):
    write(tmp_path, "a.md", "---\ntitle: A\nlocale: de\n---\n")
    write(tmp_path, "b.md", "---\ntitle: B\nms.contentlocale: sv-SE\n---\n")
    write(tmp_path, "c.md", "---\ntitle: C\n---\n")
    report = run_import(app, tmp_path, locale="pl")
    assert report.created == 3
    with app.app_context():
        found = dict(session.execute(select(Article.slug, Article.locale)).all())
    assert found == {"a": "de", "b": "sv", "c": "pl"}


def test_without_any_locale_the_file_fails_with_a_hint(app, tmp_path):
    write(tmp_path, "c.md", "---\ntitle: C\n---\n")
    report = run_import(app, tmp_path)
    assert "locale is missing" in reasons(report)["c.md"] and "--locale" in reasons(report)["c.md"]


def test_reimport_is_idempotent_and_counts_exactly(app, tmp_path):
    write(tmp_path, "one.md", GOOD)
    write(tmp_path, "two.md", "---\ntitle: Two\n---\nSecond")
    write(tmp_path, "broken.md", "---\ntitle: [\n---\n")
    first = run_import(app, tmp_path, locale="en")
    assert (first.created, first.updated, first.unchanged, len(first.failed)) == (2, 0, 0, 1)

    again = run_import(app, tmp_path, locale="en")
    assert (again.created, again.updated, again.unchanged, len(again.failed)) == (0, 0, 2, 1)

    write(tmp_path, "two.md", "---\ntitle: Two, revised\n---\nSecond, better")
    write(tmp_path, "three.md", "---\ntitle: Three\n---\n")
    third = run_import(app, tmp_path, locale="en")
    assert (third.created, third.updated, third.unchanged, len(third.failed)) == (1, 1, 1, 1)
    with app.app_context():
        two = session.scalar(select(Article).where(Article.slug == "two"))
        assert two.title == "Two, revised"
        assert [r.title for r in two.revisions] == ["Two", "Two, revised"]
        assert session.scalar(select(func.count(ArticleRevision.id))) == 4


def test_same_slug_from_two_files_is_a_clear_failure(app, tmp_path):
    write(tmp_path, "a.md", "---\ntitle: A\nslug: shared\n---\n")
    write(tmp_path, "b.md", "---\ntitle: B\nslug: shared\n---\n")
    report = run_import(app, tmp_path, locale="en")
    assert report.created == 1
    assert "already used by" in reasons(report)["b.md"]


def test_questions_are_kept_in_order_without_duplicates_and_revised(app, tmp_path):
    path = write(tmp_path, "q.md", "---\ntitle: Q\nquestions:\n  - Where is my  parcel?\n"
                                   "  - Waar is mijn pakket?\n  - Where is my parcel?\n---\nBody")
    run_import(app, tmp_path, locale="en")
    with app.app_context():
        article = session.scalar(select(Article))
        assert article.questions == ["Where is my parcel?", "Waar is mijn pakket?"]
    path.write_text("---\ntitle: Q\nquestions: Track my order\n---\nBody")
    report = run_import(app, tmp_path, locale="en")
    assert report.updated == 1  # a changed question list is a change readers' search sees
    with app.app_context():
        article = session.scalar(select(Article))
        assert article.questions == ["Track my order"]
        assert article.revisions[-1].meta["questions"] == ["Track my order"]


def test_tags_as_comma_text_and_draft_status(app, tmp_path):
    write(tmp_path, "d.md", "---\ntitle: D\ntags: Printers, Labels ,printers\nstatus: Draft\n---\n")
    run_import(app, tmp_path, locale="nl")
    with app.app_context():
        article = session.scalar(select(Article))
        assert article.tags == ["printers", "labels"] and article.status == "draft"


def test_category_file_fills_the_placeholder(app, tmp_path):
    write(tmp_path, "article.md", "---\ntitle: A\ncategory: shipping\n---\n")
    write(tmp_path, "shipping.md", "---\nkind: category\nslug: shipping\ntitle: Shipping & carriers\n"
                                   "summary: Labels and carriers.\norder: 3\nicon: 🚚\n---\n")
    first = run_import(app, tmp_path, locale="en")
    assert (first.created, first.failed) == (2, [])
    assert run_import(app, tmp_path, locale="en").unchanged == 2
    with app.app_context():
        category = session.scalar(select(Category))
        assert (category.title, category.position, category.icon) == ("Shipping & carriers", 3, "🚚")


def test_cli_reports_counts_and_failures(runner, tmp_path):
    write(tmp_path, "ok.md", GOOD)
    write(tmp_path, "bad.md", "---\nsummary: x\n---\n")
    result = runner.invoke(args=["import", str(tmp_path), "--locale", "nl"])
    assert result.exit_code == 0, result.output
    assert "1 created, 0 updated, 0 unchanged, 1 failed" in result.output
    assert "bad.md: title is missing" in result.output


@pytest.mark.slow  # reads 800 files of the shared data set; still run by `make test` (nothing deselects slow)
def test_alchemy_samples_import_without_crashes(app, shared_data, tmp_path):
    """200 real files per language: tolerated ms.* keys, inline HTML, no crash."""
    rng = random.Random(20)
    for lang in ("nl", "pl", "sv", "de"):
        files = sorted((shared_data / "alchemy" / lang).glob("*.md"))
        report = run_import(app, *rng.sample(files, 200), locale=None)
        unexpected = [f for f in report.failed if "unexpected error" in f[1]]
        assert unexpected == [], unexpected
        assert report.created + len(report.failed) == 200 and report.created >= 195
        with app.app_context():
            assert session.scalar(select(func.count(Article.id)).where(Article.locale == lang)) == report.created
            sample = session.scalar(select(Article).where(Article.locale == lang).limit(1))
            assert sample.extra.get("ms.contentlocale", "").lower().startswith(lang)
            assert "<script" not in sample.body_html and sample.body_text


def test_a_database_error_fails_only_its_own_file(app, tmp_path, monkeypatch):
    """A flush error rolls back the open batch; the files before it are re-applied."""
    from portal.kb import services

    monkeypatch.setattr(services, "IMPORT_BATCH_SIZE", 3)  # a and b are pending when c fails
    real_apply = services._apply_article

    def apply_breaking_on_boom(source, meta, digest):
        outcome = real_apply(source, meta, digest)
        if source.path.name == "c-boom.md":
            session.add(Category(slug="x", locale="en", title=None))  # NOT NULL violation at flush
        return outcome

    monkeypatch.setattr(services, "_apply_article", apply_breaking_on_boom)
    for name in ("a.md", "b.md", "c-boom.md", "d.md", "e.md"):
        write(tmp_path, name, f"---\ntitle: {name}\n---\nText")
    report = run_import(app, tmp_path, locale="en")
    assert (report.created, [p.rsplit("/", 1)[1] for p, _ in report.failed]) == (4, ["c-boom.md"])
    with app.app_context():
        slugs = set(session.scalars(select(Article.slug)))
    assert slugs == {"a", "b", "d", "e"}


def test_sample_help_center_imports_cleanly(app, client):
    """The shipped articles/ folder: no failures, and the welcome guides line up."""
    from pathlib import Path

    articles = Path(__file__).resolve().parent.parent / "articles"
    if not any(articles.rglob("*.md")):
        pytest.skip("no sample content in articles/")
    report = run_import(app, articles)
    assert report.failed == [] and report.created > 0
    for lang in ("en", "nl"):
        html = client.get(f"/{lang}/welcome").get_data(as_text=True)
        steps = re.findall(r'<li class="kb-step" data-kb-step="([\w-]+)"', html)
        assert len(steps) >= 6, lang
    english = client.get("/en/welcome").get_data(as_text=True)
    dutch = client.get("/nl/welcome").get_data(as_text=True)
    assert re.findall(r'data-kb-step="([\w-]+)"', english) == re.findall(r'data-kb-step="([\w-]+)"', dutch)
