"""The staff article editor at ``/staff/articles`` (writers and admins).

List and filter articles; edit the front matter as form fields and the
markdown beside a read-only source-language pane; save a draft beside the
live version, publish it now or at a time, discard it, unpublish. The form
carries the revision it started from, so two writers get a conflict page
instead of overwriting each other. Content writes go through
:func:`portal.kb.services.save_article` (via :mod:`portal.kb.workflow`).
History, diff and restore live in :mod:`portal.kb.staff_history`.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from portal.auth.decorators import role_required
from portal.config import SUPPORTED_LOCALES
from portal.db import session
from portal.pagination import paginate
from portal.i18n import site_timezone
from portal.kb import diffing, metadata, services, workflow
from portal.kb.models import (
    STATUS_DRAFT, STATUS_PUBLISHED, VISIBILITIES, VISIBILITY_INTERNAL, VISIBILITY_PUBLIC, Article, Category,
)
from portal.kb.rendering import MarkdownRefused, render_markdown

staff_bp = Blueprint("kb_staff", __name__)
EDITOR_ROLES = ("writer",)  # admins always pass
PAGE_SIZE = 50
#: The list's status filter: what each choice selects.
LIST_FILTERS = {
    "published": Article.status == STATUS_PUBLISHED,
    "draft": Article.status == STATUS_DRAFT,
    "pending": Article.draft_revision_id.is_not(None),
    "scheduled": Article.publish_at.is_not(None),
    "internal": Article.visibility == VISIBILITY_INTERNAL,
    "outdated": Article.outdated_since.is_not(None),
}


class ArticleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=metadata.MAX_TITLE)])
    slug = StringField(_l("Slug"), description=_l("Part of the URL; translations share it. Lowercase letters, digits and hyphens. Renaming keeps the old address working (it redirects)."),
                       validators=[InputRequired(), Length(max=metadata.MAX_SLUG)])
    locale = StringField(_l("Language"), validators=[InputRequired(), AnyOf(SUPPORTED_LOCALES)])
    category = StringField(_l("Category"), default="general", validators=[Optional(), Length(max=metadata.MAX_CATEGORY)])
    new_category = StringField(_l("Or a new category"), description=_l("Its slug, e.g. returns. Leave empty to use the list."),
                               validators=[Optional(), Length(max=metadata.MAX_CATEGORY)])
    tags = StringField(_l("Tags"), description=_l("Separated by commas."), validators=[Optional()])
    summary = TextAreaField(_l("Summary"), description=_l("One sentence, shown in lists and search results."),
                            validators=[Optional(), Length(max=500)])
    order = IntegerField(_l("Order"), description=_l("Position in the category; the step number for welcome guides."),
                         validators=[Optional(), NumberRange(-1_000_000, 1_000_000)])
    visibility = StringField(_l("Visibility"), default=VISIBILITY_PUBLIC,
                             validators=[Optional(), AnyOf(VISIBILITIES)])  # a <select> in the template
    questions = TextAreaField(_l("Other ways customers ask this"),
                              description=_l("One question per line, in the customers' words. Search finds the article by them."),
                              validators=[Optional(), Length(max=metadata.MAX_QUESTIONS * (metadata.MAX_QUESTION + 1))])
    body = TextAreaField(_l("Article (markdown)"), validators=[Optional()])
    note = StringField(_l("What changed? (optional)"), validators=[Optional(), Length(max=300)])
    base_revision = HiddenField()
    # the submit button pressed (preview, draft, publish, schedule) and, for
    # schedule, when; rendered by the template itself, read through the form
    action = StringField()
    publish_at = StringField(validators=[Optional()])


def _questions(text: str | None) -> list[str]:
    questions: list[str] = []
    for line in (text or "").splitlines():
        question = " ".join(line.split())
        if len(question) > metadata.MAX_QUESTION:
            raise services.ArticleError(_("Each question can be at most %(max)s characters.", max=metadata.MAX_QUESTION))
        if question and question not in questions:
            questions.append(question)
    if len(questions) > metadata.MAX_QUESTIONS:
        raise services.ArticleError(_("At most %(max)s questions per article.", max=metadata.MAX_QUESTIONS))
    return questions


def _form_values(form: ArticleForm, slug: str, locale: str) -> dict:
    tags = [t for t in dict.fromkeys(" ".join(t.split()).lower() for t in (form.tags.data or "").split(",")) if t]
    category = (form.new_category.data or "").strip() or (form.category.data or "").strip() or "general"
    return {"slug": slug, "locale": locale, "title": form.title.data,
            "body_md": form.body.data or "", "category": category, "tags": tags,
            "questions": _questions(form.questions.data), "visibility": form.visibility.data or VISIBILITY_PUBLIC,
            "summary": (form.summary.data or "").strip() or None, "position": form.order.data}


def _form_data(content: dict, article: Article | None) -> dict:
    return {"title": content["title"], "slug": article.slug if article else "", "locale": article.locale if article else "",
            "category": content["category_slug"], "tags": ", ".join(content["tags"] or []),
            "summary": content["summary"], "order": content["position"], "visibility": content["visibility"],
            "questions": "\n".join(content["questions"] or []), "body": content["body_md"]}


def site_zone() -> ZoneInfo:
    return site_timezone()


def parse_local_time(value: str) -> datetime:
    """``2026-12-24T09:00`` in the site's time zone → an aware UTC datetime."""
    try:
        local = datetime.fromisoformat(value.strip())
    except ValueError:
        raise services.ArticleError(_("Give the date and time as YYYY-MM-DD HH:MM.")) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=site_zone())
    return local.astimezone(ZoneInfo("UTC"))


@staff_bp.get("/")
@role_required(*EDITOR_ROLES)
def index():
    query = (request.args.get("q") or "").strip()
    locale = request.args.get("locale") if request.args.get("locale") in SUPPORTED_LOCALES else None
    status = request.args.get("status") if request.args.get("status") in LIST_FILTERS else None
    statement = select(Article)
    if query:
        statement = statement.where(Article.title.ilike(f"%{query}%") | Article.slug.ilike(f"%{query}%"))
    if locale:
        statement = statement.where(Article.locale == locale)
    if status:
        statement = statement.where(LIST_FILTERS[status])
    listed = paginate(session, statement.order_by(Article.updated_at.desc(), Article.id.desc()),
                      request.args.get("page", 1, type=int), PAGE_SIZE)
    return render_template("kb/staff/index.html", articles=listed.items, total=listed.total, listed=listed,
                           query=query, locale=locale, status=status, filters=list(LIST_FILTERS))


def _translation_context(article: Article | None, locale: str | None, slug: str | None) -> dict:
    """The other languages of this article and the read-only pane beside the editor."""
    slug = article.slug if article else slug
    if not slug:
        return {"siblings": [], "missing_locales": [], "pane": None, "source": None}
    siblings = list(session.scalars(select(Article).where(Article.slug == slug).order_by(Article.locale)))
    source = services.source_article(slug)
    own_locale = article.locale if article else locale
    others = [other for other in siblings if other.locale != own_locale]
    wanted = request.args.get("compare")
    pane = next((o for o in others if o.locale == wanted), None) or (
        source if source is not None and source.locale != own_locale else None)
    if pane is None and request.args.get("compare") is not None:
        pane = next(iter(others), None)
    return {"siblings": others, "source": source, "pane": pane,
            "missing_locales": [code for code in SUPPORTED_LOCALES
                                if code not in {o.locale for o in siblings} and code != own_locale]}


def _categories(locale: str | None) -> list[tuple[str, str]]:
    statement = select(Category.slug, Category.title).order_by(Category.position, Category.title)
    if locale:
        statement = statement.where(Category.locale == locale)
    return list(dict(session.execute(statement).all()).items())


def _render_editor(form: ArticleForm, article: Article | None, **context):
    locale = article.locale if article else (form.locale.data or request.args.get("locale"))
    latest = services.latest_revision(article) if article else None
    if article is not None and not form.base_revision.data:
        form.base_revision.data = str(latest.id) if latest else ""
    return render_template("kb/staff/edit.html", form=form, article=article, categories=_categories(locale),
                           locales=SUPPORTED_LOCALES, latest=latest, site_zone=str(site_zone()),
                           **_translation_context(article, locale, form.slug.data if article is None else None),
                           **context)


def _save(form: ArticleForm, article: Article | None, action: str):
    status = STATUS_PUBLISHED if action == "publish" else STATUS_DRAFT
    slug, locale = (article.slug, article.locale) if article else (form.slug.data.strip(), form.locale.data)
    if article is None and services.find_article(slug, locale):
        raise services.ArticleError(_("An article with this slug already exists in this language."))
    new_slug = (form.slug.data or "").strip()
    base = int(form.base_revision.data) if (form.base_revision.data or "").isdigit() else None
    values = _form_values(form, slug, locale)  # checks the questions before anything is written
    publish_at = parse_local_time(form.publish_at.data or "") if action == "schedule" else None
    saved, outcome = services.save_article(**values, status=status, author=current_user.email,
                                           note=form.note.data or None, base_revision_id=base)
    if action == "schedule":
        workflow.schedule(saved, publish_at)
        flash(_("Scheduled: it goes live by itself at the time you chose."), "success")
    elif outcome == services.UNCHANGED:
        flash(_("Nothing changed."), "info")
    elif status == STATUS_PUBLISHED:
        flash(_("Published."), "success")
    elif saved.is_published:
        flash(_("Draft saved. Customers keep reading the published version until you publish it."), "success")
    else:
        flash(_("Saved as draft: customers do not see it."), "success")
    if article is not None and new_slug and new_slug != article.slug:
        try:
            workflow.rename(article.slug, new_slug, author=current_user.email)
        except services.ArticleError as exc:
            session.rollback()
            flash(_("Not renamed:") + " " + str(exc), "error")
        else:
            flash(_("Renamed: the old address now redirects to the new one, in every language."), "success")
    return redirect(url_for("kb_staff.edit", article_id=saved.id))


def _editor(form: ArticleForm, article: Article | None):
    if request.method == "POST" and form.validate_on_submit():
        action = form.action.data
        if action == "preview":
            try:
                return _render_editor(form, article, preview=render_markdown(form.body.data or ""))
            except MarkdownRefused as exc:
                return _render_editor(form, article, save_error=str(exc))
        if action in ("draft", "publish", "schedule"):
            try:
                return _save(form, article, action)
            except services.EditConflict as conflict:
                session.rollback()
                return _conflict(form, conflict)
            except services.ArticleError as exc:
                session.rollback()
                return _render_editor(form, article, save_error=str(exc))
    return _render_editor(form, article)


def _conflict(form: ArticleForm, conflict: services.EditConflict):
    """Someone saved in between: show what they changed against what you wrote."""
    article = conflict.article
    theirs = services.revision_content(conflict.latest)
    try:
        values = _form_values(form, article.slug, article.locale)
    except services.ArticleError:
        values = {"title": form.title.data, "body_md": form.body.data or ""}
    mine = {**theirs, "title": values["title"], "body_md": values["body_md"],
            **{key: values[name] for key, name in (("category_slug", "category"), ("tags", "tags"),
                                                   ("questions", "questions"), ("summary", "summary"),
                                                   ("position", "position"), ("visibility", "visibility"))
               if name in values}}
    kept = {key: value for key, value in request.form.items(multi=False)
            if key not in ("csrf_token", "action", "base_revision")}
    return render_template("kb/staff/conflict.html", article=article, latest=conflict.latest,
                           comparison=diffing.compare(theirs, mine), kept=kept), 409


@staff_bp.route("/new", methods=["GET", "POST"])
@role_required(*EDITOR_ROLES)
def new():
    form = ArticleForm()
    translating = session.get(Article, request.args.get("translate", type=int) or 0)
    if request.method == "GET" and translating is not None:
        # A new translation starts from the source: same slug, category, order and visibility.
        form = ArticleForm(data={**_form_data(services.editable_content(translating), translating),
                                 "locale": request.args.get("locale") or ""})
    elif request.method == "GET" and request.args.get("title"):
        # "Write an article for this search" (insights) opens the editor with the search as title
        title = " ".join(request.args["title"].split())[:metadata.MAX_TITLE]
        form = ArticleForm(data={
            "title": title[:1].upper() + title[1:], "slug": metadata.slugify(title, metadata.MAX_SLUG),
            "locale": request.args.get("locale") if request.args.get("locale") in SUPPORTED_LOCALES else None})
    return _editor(form, None)


@staff_bp.route("/<int:article_id>/edit", methods=["GET", "POST"])
@role_required(*EDITOR_ROLES)
def edit(article_id: int):
    article = session.get(Article, article_id) or abort(404)
    form = ArticleForm(data=None if request.method == "POST" else _form_data(services.editable_content(article), article))
    del form.locale  # the article's language: not editable once it exists
    form.slug.validators = [Optional(), Length(max=metadata.MAX_SLUG)]  # empty keeps the slug
    return _editor(form, article)


def _article_action(article_id: int, action) -> Article:
    article = session.get(Article, article_id) or abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    action(article)
    return article


@staff_bp.post("/<int:article_id>/publish")
@role_required(*EDITOR_ROLES)
def publish(article_id: int):
    article = _article_action(article_id, lambda a: workflow.publish(a, author=current_user.email))
    flash(_("Published."), "success")
    return redirect(url_for("kb_staff.edit", article_id=article.id))


@staff_bp.post("/<int:article_id>/discard")
@role_required(*EDITOR_ROLES)
def discard(article_id: int):
    article = _article_action(article_id, lambda a: workflow.discard_draft(a, author=current_user.email))
    flash(_("Draft discarded: the published version is unchanged."), "success")
    return redirect(url_for("kb_staff.edit", article_id=article.id))


@staff_bp.post("/<int:article_id>/unpublish")
@role_required(*EDITOR_ROLES)
def unpublish(article_id: int):
    article = _article_action(article_id, lambda a: workflow.unpublish(a, author=current_user.email))
    flash(_("Unpublished: customers no longer see this article."), "success")
    return redirect(url_for("kb_staff.edit", article_id=article.id))


@staff_bp.post("/<int:article_id>/unschedule")
@role_required(*EDITOR_ROLES)
def unschedule(article_id: int):
    article = _article_action(article_id, lambda a: workflow.schedule(a, None))
    flash(_("The scheduled publication was cancelled."), "success")
    return redirect(url_for("kb_staff.edit", article_id=article.id))


@staff_bp.post("/<int:article_id>/mark-current")
@role_required(*EDITOR_ROLES)
def mark_current(article_id: int):
    article = _article_action(article_id, workflow.mark_current)
    flash(_("Marked as up to date with the original."), "success")
    return redirect(url_for("kb_staff.edit", article_id=article.id))
