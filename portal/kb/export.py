"""``portal export PATH``: articles and categories as markdown files with front matter.

The files are what ``portal import`` reads: ``PATH/<locale>/<category>/<slug>.md``
for articles and ``PATH/<locale>/<category>/_category.md`` for categories, front
matter first (``kind``, ``title``, ``slug``, ``locale``, ``category``, ``status``,
``visibility``, ``order``, ``summary``, ``tags``, ``questions``, then the keys the
portal keeps without using, such as ``ms.*``). Importing them back changes
nothing.

Drafts are explicit: an unpublished article is written with ``status: draft``;
a published article with a pending draft is written as its live version,
unless ``--drafts`` asks for the pending draft instead (``status: draft``, which
import turns back into the draft beside the live version). The report names
every pending draft that was not written.

The exported files become the articles' source (their path and hash are kept
as after an import), so editing them in git and importing them works, and an
import of the old files is reported as a second file for the same article.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select

from portal.db import session
from portal.kb.models import Article, Category
from portal.kb.revisions import article_content, editable_content

CATEGORY_FILE = "_category.md"


@dataclass
class ExportReport:
    articles: int = 0
    categories: int = 0
    drafts_not_exported: list[str] = field(default_factory=list)  # "locale/slug"
    drafts_exported: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.articles} article(s) and {self.categories} category file(s) written"
        if self.drafts_exported:
            text += f"; {len(self.drafts_exported)} pending draft(s) written instead of the live version"
        if self.drafts_not_exported:
            text += (f"; {len(self.drafts_not_exported)} pending draft(s) not written (the live version was): "
                     + ", ".join(self.drafts_not_exported) + " (use --drafts to write them)")
        return text


def _front_matter(meta: dict, body: str) -> str:
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
    return f"---\n{head}---\n\n{body.strip()}\n"


def article_file_text(article: Article, *, with_draft: bool = False) -> str:
    content = editable_content(article) if with_draft else article_content(article)
    meta: dict = {"kind": "article", "title": content["title"], "slug": article.slug, "locale": article.locale,
                  "category": content["category_slug"], "status": content["status"],
                  "visibility": content["visibility"]}
    if content["position"] is not None:
        meta["order"] = content["position"]
    if content["summary"]:
        meta["summary"] = content["summary"]
    if content["tags"]:
        meta["tags"] = list(content["tags"])
    if content["questions"]:
        meta["questions"] = list(content["questions"])
    for key, value in (article.extra or {}).items():
        meta.setdefault(key, value)
    return _front_matter(meta, content["body_md"])


def category_file_text(category: Category) -> str:
    meta: dict = {"kind": "category", "title": category.title, "slug": category.slug, "locale": category.locale,
                  "order": category.position}
    if category.summary:
        meta["summary"] = category.summary
    if category.icon:
        meta["icon"] = category.icon
    return _front_matter(meta, "")


def _write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def export_articles(root: Path, *, locale: str | None = None, category: str | None = None,
                    drafts: bool = False) -> ExportReport:
    """Write the articles (and their categories) under ``root``; returns what was written."""
    report = ExportReport()
    statement = select(Article).order_by(Article.locale, Article.category_slug, Article.slug)
    if locale:
        statement = statement.where(Article.locale == locale)
    if category:
        statement = statement.where(Article.category_slug == category)
    used: set[tuple[str, str]] = set()
    for article in session.scalars(statement):
        with_draft = drafts and article.is_published and article.draft_revision_id is not None
        if article.is_published and article.draft_revision_id is not None:
            (report.drafts_exported if with_draft else report.drafts_not_exported).append(
                f"{article.locale}/{article.slug}")
        target_category = editable_content(article)["category_slug"] if with_draft else article.category_slug
        path = root / article.locale / target_category / f"{article.slug}.md"
        digest = _write(path, article_file_text(article, with_draft=with_draft))
        article.source_path, article.source_hash = str(path.resolve()), digest
        used.add((article.locale, target_category))
        report.articles += 1
    for code, slug in sorted(used):
        found = session.scalar(select(Category).where(Category.locale == code, Category.slug == slug))
        if found is None:
            continue
        path = root / code / slug / CATEGORY_FILE
        found.source_path, found.source_hash = str(path.resolve()), _write(path, category_file_text(found))
        report.categories += 1
    session.commit()
    return report


