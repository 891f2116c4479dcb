"""HTTP views of the help center (thin: reads come from ``queries``, writes go
through ``services`` and, for "Did this help?", ``feedback``). Every page lives
under ``/<lang>/``."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from portal.cache.forms import public_form
from portal.cache.pages import cached_page, on_serve
from portal.errors import wants_json
from portal.extensions import limiter
from portal.kb import SLUGS_SCOPE, kb_scope, viewcount
from portal.kb import feedback as feedback_service
from portal.kb import queries, workflow
from portal.kb.models import RATINGS, WELCOME_CATEGORY
from portal.kb import staff_history  # noqa: F401  (history, diff, redirects: routes on staff_bp)
from portal.kb.staff_views import staff_bp  # noqa: F401  (the staff editor, registered in BLUEPRINTS)

bp = Blueprint("kb", __name__)


def _language(lang: str, **_kwargs) -> set[str]:
    return {kb_scope(lang)}


def _language_and_slugs(lang: str, **_kwargs) -> set[str]:
    return {kb_scope(lang), SLUGS_SCOPE}  # "Other languages" lists the slug's other languages


class FeedbackForm(FlaskForm):
    """The point chosen (a submit button each), a comment sent with it, or the
    follow-up token of a point chosen earlier on this page (changing it)."""

    class Meta:  # checked before the view: a session token or a public form token (portal.cache.forms)
        csrf = False

    rating = StringField(validators=[InputRequired(), AnyOf(RATINGS)])
    comment = TextAreaField(validators=[Optional(), Length(max=feedback_service.MAX_COMMENT)])
    token = StringField(validators=[Optional(), Length(max=200)])


class FeedbackCommentForm(FlaskForm):
    """The optional comment that follows a chosen point, on the same record."""

    class Meta:
        csrf = False

    token = StringField(validators=[InputRequired(), Length(max=200)])
    comment = TextAreaField(validators=[InputRequired(), Length(max=feedback_service.MAX_COMMENT)])


@bp.get("/")
@cached_page(_language, hourly=True)  # "most read" follows the views: at most an hour behind
def home(lang: str):
    popular = queries.most_read(lang)
    return render_template(
        "kb/home.html",
        category_cards=queries.categories_with_articles(lang),
        popular=popular,
        popular_is_most_read=bool(popular),
        recent=[] if popular else queries.recently_updated(lang),
        welcome_count=len(queries.welcome_steps(lang)),
    )


@bp.get("/categories/<slug>")
@cached_page(_language, query=("page",))
def category(lang: str, slug: str):
    found = queries.category(slug, lang)
    page = queries.category_articles(slug, lang, request.args.get("page", 1, type=int) or 1)
    if found is None or page.total == 0:
        abort(404)
    return render_template("kb/category.html", category=found, page=page)


def _welcome_context(article) -> dict:
    if article.category_slug != WELCOME_CATEGORY:
        return {}
    steps = queries.welcome_steps(article.locale)
    index = next((i for i, step in enumerate(steps) if step.id == article.id), None)
    if index is None:
        return {}
    return {"step": {"number": index + 1, "total": len(steps),
                     "previous": steps[index - 1] if index > 0 else None,
                     "next": steps[index + 1] if index + 1 < len(steps) else None}}


@bp.get("/articles/<slug>")
@cached_page(_language_and_slugs)
def article(lang: str, slug: str):
    found = queries.published_article(slug, lang, include_internal=current_user.is_authenticated)
    if found is None:
        moved_to = workflow.redirect_target(slug, lang)
        if moved_to:
            return redirect(url_for("kb.article", lang=lang, slug=moved_to), code=301)
        return _not_in_language(slug, lang)
    if found.is_internal:
        response = make_response(render_template("kb/article.html", article=found, translations=[], related=[],
                                                 category=queries.category(found.category_slug, lang),
                                                 internal=True))
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Robots-Tag"] = "noindex"
        return response
    on_serve(viewcount.counter_for(current_app).hook(found.id))  # also on every cached hit
    return render_template(
        "kb/article.html",
        article=found,
        category=queries.category(found.category_slug, lang),
        translations=queries.translations(found),
        related=queries.related_articles(found),
        **_feedback_context(found),
        source_is_newer=found.outdated_since is not None,
        **_welcome_context(found),
    )


def _not_in_language(slug: str, lang: str):
    locales = queries.article_locales(slug)
    if not locales:
        abort(404)
    others = [queries.published_article(slug, code) for code in locales]
    return render_template("kb/not_in_language.html", slug=slug, others=others), 404


def _feedback_context(article) -> dict:
    """The answer this reader gave here (``?feedback=<token>`` after a post without JavaScript)."""
    token = request.args.get("feedback")
    given = feedback_service.feedback_for_token(token, article)
    return {"given_feedback": given, "feedback_token": token if given else None}


def _feedback_reply(slug: str, message: str, *, ok: bool, token: str | None = None):
    if wants_json():
        body = {"ok": ok, "message": message}
        if token:
            body["token"] = token
        return jsonify(body), (200 if ok else 400)
    if not ok:  # success shows in the feedback block itself (it reads the token)
        flash(message, "error")
    return redirect(url_for("kb.article", slug=slug, feedback=token, _anchor="feedback"))


def _too_long() -> str:
    return _("Your comment is too long: please keep it under %(max)s characters.",
             max=feedback_service.MAX_COMMENT)


@bp.post("/articles/<slug>/feedback")
@public_form
@limiter.limit("10 per minute;60 per hour")
def feedback(lang: str, slug: str):
    """The point chosen, recorded at once; the reply carries the token for the comment."""
    found = queries.published_article(slug, lang) or abort(404)
    form = FeedbackForm()
    if not form.validate_on_submit():
        message = _("Please choose one of the answers.") if form.rating.errors else _too_long()
        return _feedback_reply(slug, message, ok=False)
    token = form.token.data or None
    try:
        if token:  # changing the point chosen earlier on this page: the same record
            record = feedback_service.add_comment(token, found, form.comment.data, rating=form.rating.data)
        else:
            record = feedback_service.record_rating(found, form.rating.data, form.comment.data)
    except feedback_service.FeedbackError:
        record = feedback_service.record_rating(found, form.rating.data, form.comment.data)  # token expired
    token = feedback_service.follow_up_token(record)
    message = _("Thank you for your feedback!") if record.comment else _(
        "Thank you! Anything we could do better? You can tell us below (optional).")
    return _feedback_reply(slug, message, ok=True, token=token)


@bp.post("/articles/<slug>/feedback/comment")
@public_form
@limiter.limit("10 per minute;60 per hour")
def feedback_comment(lang: str, slug: str):
    """The optional comment after a chosen point, added to the same record."""
    found = queries.published_article(slug, lang) or abort(404)
    form = FeedbackCommentForm()
    token = form.token.data or None
    if not form.validate_on_submit() or not (form.comment.data or "").strip():
        if form.token.errors:
            message = _("Please choose one of the answers first.")
        elif form.comment.errors and form.comment.data:
            message = _too_long()
        else:
            message = _("Please write your comment first.")
        return _feedback_reply(slug, message, ok=False, token=token)
    try:
        feedback_service.add_comment(token, found, form.comment.data)
    except feedback_service.FeedbackError:
        return _feedback_reply(slug, _("This answer can no longer be changed: please choose again."), ok=False)
    return _feedback_reply(slug, _("Thank you for your feedback!"), ok=True, token=token)


@bp.get("/welcome")
@cached_page(_language)
def welcome(lang: str):
    return render_template("kb/welcome.html", steps=queries.welcome_steps(lang))
