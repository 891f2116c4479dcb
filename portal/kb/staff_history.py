"""Revision history, diffs and restore; the redirect list (staff pages).

``/staff/articles/<id>/revisions`` lists every save (author, time, message);
``/staff/articles/<id>/diff?a=<rev>&b=<rev>`` compares any two, rendered and
as markdown side by side; restoring a revision saves it as a new draft (a
live article stays live). ``/staff/articles/redirects`` lists the permanent
redirects renames left, removable by admins.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from portal.auth.decorators import role_required
from portal.db import session
from portal.kb import diffing, services, workflow
from portal.kb.models import Article, ArticleRedirect, ArticleRevision
from portal.kb.staff_views import EDITOR_ROLES, staff_bp

REDIRECTS_PAGE_SIZE = 200


def _revision(article: Article, revision_id) -> ArticleRevision:
    revision = session.get(ArticleRevision, revision_id) if revision_id else None
    if revision is None or revision.article_id != article.id:
        abort(404)
    return revision


@staff_bp.get("/<int:article_id>/revisions")
@role_required(*EDITOR_ROLES)
def revisions(article_id: int):
    article = session.get(Article, article_id) or abort(404)
    return render_template("kb/staff/revisions.html", article=article, revisions=list(reversed(article.revisions)))


@staff_bp.get("/<int:article_id>/diff")
@role_required(*EDITOR_ROLES)
def diff(article_id: int):
    """Compare revisions ``a`` (older) and ``b`` (newer); without ``a``, ``b``
    against the revision before it; without either, the newest two."""
    article = session.get(Article, article_id) or abort(404)
    ordered = list(article.revisions)
    if not ordered:
        abort(404)
    newer = _revision(article, request.args.get("b", type=int)) if request.args.get("b") else ordered[-1]
    if request.args.get("a"):
        older = _revision(article, request.args.get("a", type=int))
    else:
        earlier = [revision for revision in ordered if revision.id < newer.id]
        older = earlier[-1] if earlier else None
    if older is not None and older.id > newer.id:
        older, newer = newer, older
    comparison = diffing.compare(services.revision_content(older) if older else {},
                                 services.revision_content(newer))
    return render_template("kb/staff/diff.html", article=article, older=older, newer=newer,
                           comparison=comparison, revisions=list(reversed(ordered)))


@staff_bp.post("/<int:article_id>/revisions/<int:revision_id>/restore")
@role_required(*EDITOR_ROLES)
def restore(article_id: int, revision_id: int):
    article = session.get(Article, article_id) or abort(404)
    revision = _revision(article, revision_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    _saved, outcome = workflow.restore(article, revision, author=current_user.email)
    if outcome == services.UNCHANGED:
        flash(_("That revision is what the editor already has."), "info")
    elif article.is_published:
        flash(_("Restored as a draft. Customers keep reading the published version until you publish it."), "success")
    else:
        flash(_("Restored as a draft."), "success")
    return redirect(url_for("kb_staff.edit", article_id=article.id))


@staff_bp.get("/redirects")
@role_required("admin")
def redirects():
    rows = session.scalars(select(ArticleRedirect).order_by(ArticleRedirect.created_at.desc(), ArticleRedirect.id.desc())
                           .limit(REDIRECTS_PAGE_SIZE)).all()
    return render_template("kb/staff/redirects.html", redirects=rows)


@staff_bp.post("/redirects/<int:redirect_id>/delete")
@role_required("admin")
def delete_redirect(redirect_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    if workflow.delete_redirect(redirect_id):
        flash(_("Redirect removed: the old address now answers 404."), "success")
    return redirect(url_for("kb_staff.redirects"))
