"""HTTP views of the support loop for customers and the helpdesk (thin).

* ``/<lang>/rate/<token>`` (``support.rate``): the rating page of a signed
  link. GET shows it (with the link's choice preselected and submitted by a
  script, so the e-mail's link is one click) and never records; POST records
  or changes the rating and the optional comment.
* ``POST /api/v1/tickets/<reference>/events`` (``support_api.ticket_event``):
  the helpdesk reports "answered", "solved", "reopened"; a staff API token or
  the shared ``SUPPORT_HELPDESK_TOKEN``; idempotent (201 new, 200 known).
"""
from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import gettext as _

from portal import db
from portal.auth.decorators import api_auth_required
from portal.errors import render_error
from portal.extensions import csrf, limiter
from portal.support import ratings, services
from portal.support.forms import RatingForm
from portal.support.models import SCORES
from portal.support.schemas import TicketEventIn
from portal.validation import json_body

bp = Blueprint("support", __name__)
api_bp = Blueprint("support_api", __name__)


def _rating_limit() -> str:
    return current_app.config["SUPPORT_RATING_RATE_LIMIT"]


@bp.route("/rate/<token>", methods=["GET", "POST"])
@limiter.limit(_rating_limit, methods=["POST"])
def rate(lang: str, token: str):
    try:
        rating = ratings.rating_for_token(db.session, token)
    except ratings.InvalidRatingLink:
        return render_error(404, _("This rating link is not valid (any more). Thank you all the same!"))
    form = RatingForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("support/rate.html", form=form, rating=rating, token=token, auto=False), 422
        ratings.record(db.session, rating, form.score.data, form.comment.data)
        return render_template("support/rate.html", form=RatingForm(formdata=None, score=rating.score),
                               rating=rating, token=token, auto=False, saved=True)
    choice = request.args.get("choice")
    if choice in SCORES:
        form.score.data = choice
    # auto-submit only when the link named a choice the rating does not have yet
    auto = choice in SCORES and choice != rating.score
    return render_template("support/rate.html", form=form, rating=rating, token=token, auto=auto)


def _shared_token_ok() -> bool:
    expected = current_app.config["SUPPORT_HELPDESK_TOKEN"]
    header = request.headers.get("Authorization", "")
    if not expected or not header.lower().startswith("bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), str(expected).encode())


def _ticket_event(reference: str):
    data = json_body(TicketEventIn)
    try:
        recorded = services.record_event(db.session, reference, data.type, occurred_at=data.occurred_at,
                                         agent=data.agent, external_id=data.event_id, source="api")
    except services.UnknownTicket:
        db.session.rollback()
        return render_error(404, _("No ticket has this reference."))
    except services.EventError as err:
        db.session.rollback()
        return jsonify({"error": {"code": 400, "message": str(err)}}), 400
    db.session.commit()
    lifecycle = recorded.lifecycle
    return jsonify({
        "reference": reference, "event": recorded.event.kind, "created": recorded.created,
        "state": lifecycle.state, "round": lifecycle.round,
        "first_answered_at": lifecycle.first_answered_at.isoformat() if lifecycle.first_answered_at else None,
        "solved_at": lifecycle.solved_at.isoformat() if lifecycle.solved_at else None,
        "rating_requested": recorded.rating_requested,
    }), 201 if recorded.created else 200


@api_bp.post("/tickets/<reference>/events")
@csrf.exempt
def ticket_event(reference: str):
    if _shared_token_ok():
        return _ticket_event(reference)
    return api_auth_required("operator")(_ticket_event)(reference)
