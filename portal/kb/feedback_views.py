"""Staff side of article feedback: the inbox at ``/staff/feedback`` (writers).

Writers read what readers wrote under articles, filter it (to do / done, the
point chosen, language, one article) and mark comments done. The article's
editor page and the editor list show each article's happiness score through
the template helpers registered here (``feedback_scores``, ``feedback_summary``),
so those templates need one line each, not a different view.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.auth.decorators import role_required
from portal.config import SUPPORTED_LOCALES
from portal.db import session
from portal.kb import feedback as feedback_service
from portal.kb.models import RATINGS, Article
from portal.forms import BackForm
from portal.web import is_safe_redirect

feedback_bp = Blueprint("kb_feedback", __name__)
WRITER_ROLES = ("writer",)  # admins always pass
#: Latest comments shown on an article's editor page.
SUMMARY_COMMENTS = 5


@feedback_bp.record_once
def _register_staff_link(state) -> None:
    state.app.extensions.setdefault("portal.staff_links", []).append(
        {"endpoint": "kb_feedback.inbox", "label": _l("Feedback"), "roles": WRITER_ROLES})


@feedback_bp.app_context_processor
def _feedback_helpers() -> dict:
    def feedback_scores(articles) -> dict:
        """{article id: Happiness} for a list of articles (one query)."""
        return feedback_service.scores_for(article.id for article in articles)

    def feedback_summary(article) -> dict:
        """The happiness of one article and its latest comments still to do."""
        return {"score": feedback_service.happiness(article.id),
                "comments": feedback_service.inbox(article_id=article.id, page_size=SUMMARY_COMMENTS)}

    return {"feedback_scores": feedback_scores, "feedback_summary": feedback_summary,
            "rating_labels": rating_labels}


def rating_labels() -> dict:
    return {"great": _("Great"), "okay": _("Okay"), "poor": _("Not really")}


@feedback_bp.get("/")
@role_required(*WRITER_ROLES)
def inbox():
    state = request.args.get("state") if request.args.get("state") in feedback_service.INBOX_STATES \
        else feedback_service.INBOX_OPEN
    rating = request.args.get("rating") if request.args.get("rating") in RATINGS else None
    locale = request.args.get("locale") if request.args.get("locale") in SUPPORTED_LOCALES else None
    article_id = request.args.get("article", type=int)
    article = session.get(Article, article_id) if article_id else None
    found = feedback_service.inbox(state=state, rating=rating, locale=locale,
                                   article_id=article.id if article else None,
                                   page=request.args.get("page", 1, type=int) or 1)
    return render_template("kb/staff/feedback.html", inbox=found, state=state, rating=rating, locale=locale,
                           article=article, ratings=RATINGS, open_count=feedback_service.open_comment_count())


def _back():
    target = BackForm().next.data
    return redirect(target if is_safe_redirect(target) else url_for(".inbox"))


@feedback_bp.post("/<int:feedback_id>/done")
@role_required(*WRITER_ROLES)
def mark_done(feedback_id: int):
    feedback_service.mark_done(feedback_id, current_user.email) or abort(404)
    flash(_("Marked as done."), "success")
    return _back()


@feedback_bp.post("/<int:feedback_id>/reopen")
@role_required(*WRITER_ROLES)
def reopen(feedback_id: int):
    feedback_service.reopen(feedback_id) or abort(404)
    flash(_("Back in the list to do."), "success")
    return _back()
