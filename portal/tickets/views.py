"""HTTP views of the tickets domain (thin: they call services).

Customers: ``/<lang>/contact/`` (choose a form), ``/<lang>/contact/<form>``
(the form), ``/<lang>/contact/sent/<token>`` (the confirmation, with the
"withdraw my ticket" offer) and ``POST /<lang>/contact/events`` (anonymous
deflection analytics from the browser). Staff: ``/staff/tickets/`` (the
deflection report and recent tickets) and ``/staff/tickets/attachments/<id>``.
"""
from __future__ import annotations

import logging
import secrets

from flask import (Blueprint, abort, current_app, jsonify, redirect, render_template, request, send_from_directory,
                   session, url_for)
from flask_babel import gettext as _

from portal import db
from portal.auth.decorators import role_required
from portal.db import utcnow
from portal.errors import render_error
from portal.extensions import limiter
from portal.i18n import current_lang
from portal.tickets import analytics, attachments, pii, services
from portal.tickets.config import ConfigError, get_config
from portal.tickets.forms import HONEYPOT_FIELD, WithdrawForm, read_submission, suggestion_query
from portal.tickets.models import STATUS_OPEN, TicketAttachment
from portal.tickets.schemas import ClientEvent
from portal.validation import json_body

log = logging.getLogger(__name__)

bp = Blueprint("tickets", __name__)
staff_bp = Blueprint("tickets_staff", __name__)

STAFF_ROLES = ("admin", "operator", "writer")


def _ticket_rate_limit() -> str:
    return current_app.config["TICKETS_RATE_LIMIT"]


def _events_rate_limit() -> str:
    return current_app.config["TICKETS_EVENTS_RATE_LIMIT"]


def _suggestions(query: str, lang: str) -> list[dict]:
    """Best articles for the confirmation page; the page works without them."""
    if not query:
        return []
    from portal.search import services as search

    try:
        return search.suggest(query, locale=lang, limit=5)
    except Exception:  # a broken index must not hide the customer's reference
        log.exception("suggestions for the confirmation page failed")
        return []


@bp.errorhandler(ConfigError)
@staff_bp.errorhandler(ConfigError)
def _broken_configuration(err: ConfigError):
    log.error("tickets configuration %s is invalid: %s", err.source, "; ".join(err.problems))
    return render_error(503, _("The contact form is temporarily unavailable. Please try again later."))


@bp.get("/")
def chooser(lang: str):
    config = get_config()
    groups = {}
    for form in config.forms.values():
        groups.setdefault(form.group, []).append(form)
    return render_template("tickets/chooser.html", config=config, groups=groups)


def _render_form(form, submission=None, status=200, kept_token=None, busy=False):
    config = get_config()
    lang = current_lang()
    now = utcnow()
    context = {
        "config": config,
        "form": form,
        "submission": submission,
        "values": submission.values if submission else {},
        "errors": submission.errors if submission else {},
        "normal": services.expectation(config, False, now, lang),
        "urgent": services.expectation(config, True, now, lang),
        "pii_patterns": pii.browser_patterns(),
        "honeypot_field": HONEYPOT_FIELD,
        "kept_token": kept_token,
        "busy": busy,
    }
    return render_template("tickets/form.html", **context), status


def _browser_key() -> str:
    """A random key in this browser's session: kept files are bound to it."""
    if "tickets_browser" not in session:
        session["tickets_browser"] = secrets.token_urlsafe(16)
    return session["tickets_browser"]


@bp.route("/<slug>", methods=["GET", "POST"])
@limiter.limit(_ticket_rate_limit, methods=["POST"])
def form_page(lang: str, slug: str):
    config = get_config()
    form = config.form(slug)
    if form is None:
        abort(404)
    if request.method == "GET":
        return _render_form(form)
    upload_dir = current_app.config["UPLOAD_DIR"]
    kept = {"owner": _browser_key(), "form_slug": form.slug}
    previous_token = request.form.get("kept_files")
    submission = read_submission(form, config, request.form, request.files, lang,
                                 kept=attachments.kept_files(upload_dir, previous_token, **kept))
    if submission.honeypot_filled:
        log.info("honeypot filled on contact form %s", slug)
        attachments.forget_kept(upload_dir, previous_token, **kept)
        return render_error(400, _("Your message could not be sent because it looks automated. "
                                   "If you are a person, please reload the page and try again."))
    if not submission.ok:
        # the form comes back: keep the checked files so they need not be attached again
        token = attachments.keep_for_resend(upload_dir, submission.files, **kept) if submission.files else None
        attachments.forget_kept(upload_dir, previous_token, **kept)
        return _render_form(form, submission, status=422 if submission.errors else 200, kept_token=token)
    try:
        ticket = services.create_ticket(submission)
    except services.TicketStoreBusy:
        # nothing was stored: the form comes back filled in, files kept, to send again
        token = attachments.keep_for_resend(upload_dir, submission.files, **kept) if submission.files else None
        attachments.forget_kept(upload_dir, previous_token, **kept)
        page, status = _render_form(form, submission, status=503, kept_token=token, busy=True)
        return page, status, {"Retry-After": "10"}
    attachments.forget_kept(upload_dir, previous_token, **kept)
    return redirect(url_for("tickets.sent", token=ticket.public_token), code=303)


@bp.get("/sent/<token>")
def sent(lang: str, token: str):
    ticket = services.ticket_by_token(token)
    if ticket is None:
        abort(404)
    config = get_config()
    now = utcnow()
    promise = services.promise_for(ticket, config, now)
    form = config.form(ticket.form_slug)
    values = {f.name: f.value for f in ticket.fields}
    values["subject"] = ticket.subject
    query = suggestion_query(form, values) if form else ticket.subject
    return render_template(
        "tickets/sent.html", ticket=ticket, config=config, form=form, promise=promise,
        suggestions=_suggestions(query, ticket.locale) if ticket.status == STATUS_OPEN else [],
        show_phone=ticket.is_urgent and promise["open"] and bool(config.support_phone),
    )


@bp.post("/sent/<token>/withdraw")
@limiter.limit(_ticket_rate_limit)
def withdraw(lang: str, token: str):
    ticket = services.ticket_by_token(token)
    if ticket is None:
        abort(404)
    article = WithdrawForm().article.data or ""
    services.withdraw_ticket(ticket, article_slug=article if analytics.ARTICLE_SLUG.match(article) else None)
    return redirect(url_for("tickets.sent", token=ticket.public_token), code=303)


@bp.post("/events")
@limiter.limit(_events_rate_limit)
def events(lang: str):
    payload = json_body(ClientEvent)
    try:
        stored = analytics.record_client_event(payload.model_dump(exclude_none=True), lang, get_config().forms.keys())
    except analytics.EventError as err:
        return jsonify({"error": {"code": 400, "message": str(err)}}), 400
    return jsonify({"ok": True, "stored": stored}), 202


# -- staff --------------------------------------------------------------------

@staff_bp.get("/")
@role_required(*STAFF_ROLES)
def report():
    config = get_config()
    data = analytics.report(db.session, days=30, timezone=config.schedule.timezone)
    recent = services.recent_tickets(limit=50)
    return render_template("tickets/staff/report.html", report=data, recent=recent, config=config)


@staff_bp.get("/attachments/<int:attachment_id>")
@role_required(*STAFF_ROLES)
def attachment(attachment_id: int):
    found = db.session.get(TicketAttachment, attachment_id)
    if found is None:
        abort(404)
    # send_from_directory joins safely (werkzeug.security.safe_join): a stored
    # path that would leave the upload folder, or a missing file, is a 404
    return send_from_directory(current_app.config["UPLOAD_DIR"], found.stored_path, mimetype=found.content_type,
                               as_attachment=True, download_name=found.original_name)

