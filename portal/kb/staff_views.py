"""The staff article editor at ``/staff/articles`` (writers and admins).

List and filter articles, write markdown with a server-rendered preview, save
as draft or publish, read the revision history. Every save goes through
:func:`portal.kb.services.save_article`, like the file import.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from portal.auth.decorators import role_required
from portal.config import SUPPORTED_LOCALES
from portal.db import session
from portal.kb import metadata, services
from portal.kb.models import ARTICLE_STATUSES, STATUS_DRAFT, STATUS_PUBLISHED, Article, Category
from portal.kb.rendering import MarkdownRefused, render_markdown

staff_bp = Blueprint("kb_staff", __name__)
EDITOR_ROLES = ("writer",)  # admins always pass
PAGE_SIZE = 50


class ArticleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=metadata.MAX_TITLE)])
    slug = StringField(_l("Slug"), description=_l("Part of the URL; translations share it. Lowercase letters, digits and hyphens."),
                       validators=[InputRequired(), Length(max=metadata.MAX_SLUG)])
    locale = StringField(_l("Language"), validators=[InputRequired(), AnyOf(SUPPORTED_LOCALES)])
    category = StringField(_l("Category"), description=_l("The category's slug, e.g. shipping. Use welcome for onboarding guides."),
                           default="general", validators=[InputRequired(), Length(max=metadata.MAX_CATEGORY)])
    tags = StringField(_l("Tags"), description=_l("Separated by commas."), validators=[Optional()])
    summary = TextAreaField(_l("Summary"), description=_l("One sentence, shown in lists and search results."),
                            validators=[Optional(), Length(max=500)])
    order = IntegerField(_l("Order"), description=_l("Position in the category; the step number for welcome guides."),
                         validators=[Optional(), NumberRange(-1_000_000, 1_000_000)])
    body = TextAreaField(_l("Article (markdown)"), validators=[Optional()])
    note = StringField(_l("What changed? (optional)"), validators=[Optional(), Length(max=300)])


def _form_values(form: ArticleForm, slug: str, locale: str) -> dict:
    tags = [t for t in dict.fromkeys(" ".join(t.split()).lower() for t in (form.tags.data or "").split(",")) if t]
    return {"slug": slug, "locale": locale, "title": form.title.data,
            "body_md": form.body.data or "", "category": form.category.data.strip(), "tags": tags,
            "summary": (form.summary.data or "").strip() or None, "position": form.order.data}


@staff_bp.get("/")
@role_required(*EDITOR_ROLES)
def index():
    query = (request.args.get("q") or "").strip()
    locale = request.args.get("locale") if request.args.get("locale") in SUPPORTED_LOCALES else None
    status = request.args.get("status") if request.args.get("status") in ARTICLE_STATUSES else None
    statement = select(Article)
    if query:
        statement = statement.where(Article.title.ilike(f"%{query}%") | Article.slug.ilike(f"%{query}%"))
    if locale:
        statement = statement.where(Article.locale == locale)
    if status:
        statement = statement.where(Article.status == status)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    articles = session.scalars(statement.order_by(Article.updated_at.desc(), Article.id.desc())
                               .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("kb/staff/index.html", articles=articles, total=total, page=page, pages=pages,
                           query=query, locale=locale, status=status)


def _editor(form: ArticleForm, article: Article | None):
    categories = session.scalars(select(Category.slug).distinct().order_by(Category.slug)).all()
    preview = save_error = None
    if request.method == "POST" and form.validate_on_submit():
        action = request.form.get("action")
        if action == "preview":
            try:
                preview = render_markdown(form.body.data or "")
            except MarkdownRefused as exc:
                save_error = str(exc)
        elif action in ("draft", "publish"):
            status = STATUS_PUBLISHED if action == "publish" else STATUS_DRAFT
            slug, locale = (article.slug, article.locale) if article else (form.slug.data.strip(), form.locale.data)
            try:
                if article is None and services.find_article(slug, locale):
                    raise services.ArticleError(_("An article with this slug already exists in this language."))
                saved, outcome = services.save_article(**_form_values(form, slug, locale), status=status,
                                                       author=current_user.email, note=form.note.data or None)
            except services.ArticleError as exc:
                save_error = str(exc)
            else:
                if outcome == services.UNCHANGED:
                    flash(_("Nothing changed."), "info")
                elif status == STATUS_PUBLISHED:
                    flash(_("Published."), "success")
                else:
                    flash(_("Saved as draft: customers do not see it."), "success")
                return redirect(url_for("kb_staff.edit", article_id=saved.id))
    return render_template("kb/staff/edit.html", form=form, article=article, preview=preview, save_error=save_error,
                           categories=categories, locales=SUPPORTED_LOCALES)


@staff_bp.route("/new", methods=["GET", "POST"])
@role_required(*EDITOR_ROLES)
def new():
    # "Write an article for this search" (insights) opens the editor with the search as title
    prefill = None
    if request.method == "GET" and request.args.get("title"):
        title = " ".join(request.args["title"].split())[:metadata.MAX_TITLE]
        prefill = {"title": title[:1].upper() + title[1:], "slug": metadata.slugify(title, metadata.MAX_SLUG),
                   "locale": request.args.get("locale") if request.args.get("locale") in SUPPORTED_LOCALES else None}
    return _editor(ArticleForm(data=prefill), None)


@staff_bp.route("/<int:article_id>/edit", methods=["GET", "POST"])
@role_required(*EDITOR_ROLES)
def edit(article_id: int):
    article = session.get(Article, article_id) or abort(404)
    form = ArticleForm(data=None if request.method == "POST" else {
        "title": article.title, "slug": article.slug, "locale": article.locale, "category": article.category_slug,
        "tags": ", ".join(article.tags or []), "summary": article.summary, "order": article.position,
        "body": article.body_md})
    del form.slug, form.locale  # the article's identity (its URL): not editable once it exists
    return _editor(form, article)


@staff_bp.get("/<int:article_id>/revisions")
@role_required(*EDITOR_ROLES)
def revisions(article_id: int):
    article = session.get(Article, article_id) or abort(404)
    return render_template("kb/staff/revisions.html", article=article, revisions=list(reversed(article.revisions)))
