"""HTTP views of the help center (thin: reads come from ``queries``, writes go
through ``services``). Every page lives under ``/<lang>/``."""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from portal.errors import wants_json
from portal.extensions import limiter
from portal.kb import queries, services, workflow
from portal.kb.models import WELCOME_CATEGORY
from portal.kb import staff_history  # noqa: F401  (history, diff, redirects: routes on staff_bp)
from portal.kb.staff_views import staff_bp  # noqa: F401  (the staff editor, registered in BLUEPRINTS)

bp = Blueprint("kb", __name__)

_BOT = re.compile(r"bot|crawl|spider|slurp|preview|monitor|curl|wget|python-requests", re.IGNORECASE)


class FeedbackForm(FlaskForm):
    helpful = StringField(validators=[InputRequired(), AnyOf(["yes", "no"])])  # two radio buttons
    comment = TextAreaField(validators=[Optional(), Length(max=services.MAX_FEEDBACK_COMMENT)])


@bp.get("/")
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
                                                 form=FeedbackForm(), internal=True))
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Robots-Tag"] = "noindex"
        return response
    if request.method == "GET" and not _BOT.search(request.user_agent.string or ""):
        services.record_view(found.id)
    return render_template(
        "kb/article.html",
        article=found,
        category=queries.category(found.category_slug, lang),
        translations=queries.translations(found),
        related=queries.related_articles(found),
        form=FeedbackForm(),
        source_is_newer=found.outdated_since is not None,
        **_welcome_context(found),
    )


def _not_in_language(slug: str, lang: str):
    locales = queries.article_locales(slug)
    if not locales:
        abort(404)
    others = [queries.published_article(slug, code) for code in locales]
    return render_template("kb/not_in_language.html", slug=slug, others=others), 404


@bp.post("/articles/<slug>/feedback")
@limiter.limit("10 per minute;60 per hour")
def feedback(lang: str, slug: str):
    found = queries.published_article(slug, lang)
    if found is None:
        abort(404)
    form = FeedbackForm()
    if not form.validate_on_submit():
        message = _("Please choose yes or no.") if form.helpful.errors else _(
            "Your comment is too long: please keep it under %(max)s characters.", max=services.MAX_FEEDBACK_COMMENT)
        if wants_json():
            return jsonify({"ok": False, "message": message}), 400
        flash(message, "error")
        return redirect(url_for("kb.article", slug=slug, _anchor="feedback"))
    services.record_feedback(found, form.helpful.data == "yes", form.comment.data)
    message = _("Thank you for your feedback!")
    if wants_json():
        return jsonify({"ok": True, "message": message})
    flash(message, "success")
    return redirect(url_for("kb.article", slug=slug, _anchor="feedback"))


@bp.get("/welcome")
def welcome(lang: str):
    return render_template("kb/welcome.html", steps=queries.welcome_steps(lang))
