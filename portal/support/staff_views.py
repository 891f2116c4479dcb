"""Staff pages of the support loop (thin: they call services and reports).

``/staff/support/`` answer times against the targets and who is waiting;
``/happiness`` the Happiness score and poor ratings; ``/volume`` when
customers write; ``/ideas`` ideas until shipped; ``/tickets/<reference>`` a
ticket's lifecycle, marked by hand.
"""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import charts, db
from portal.auth.decorators import role_required
from portal.i18n import current_lang
from portal.support import ideas, mailin, reports, services, volume
from portal.support.forms import FindTicketForm, IdeaForm, LinkTicketForm, MergeForm, TicketEventForm
from portal.support.models import IDEA_STATUSES, Idea, Rating, TicketLifecycle
from portal.tickets.config import get_config

staff_bp = Blueprint("support_staff", __name__)
STAFF_ROLES = ("admin", "operator", "writer")


def _percent(value):
    return None if value is None else round(value * 100, 1)


def _trend_charts(report: dict) -> list:
    labels = [week.strftime("%d.%m.") for week in report["weeks"]]
    targets = report["targets"]
    average = [None if f.average_hours is None else round(f.average_hours, 2) for f in report["trend"].values()]
    within = [_percent(f.within_share) for f in report["trend"].values()]
    within_hours = "%g" % targets.within_hours
    return [
        charts.line_chart(_("Average first answer per week"), labels,
                          [charts.Series(_("Average (business hours)"), average),
                           charts.Series(_("Target"), [targets.average_hours] * len(labels))],
                          description=_("Business hours until the first answer, by the week the ticket was sent."),
                          label_header=_("Week"), unit=" h"),
        charts.line_chart(_("Answered within target per week"), labels,
                          [charts.Series(_("Within target"), within),
                           charts.Series(_("Target"), [targets.within_share * 100] * len(labels))],
                          description=_("Share of tickets answered within %(hours)s business hours.",
                                        hours=within_hours),
                          label_header=_("Week"), unit=" %", y_max=100),
    ]


@staff_bp.get("/")
@role_required(*STAFF_ROLES)
def targets():
    config = get_config()
    report = reports.targets_report(db.session, config, current_lang())
    happiness = reports.happiness_report(db.session, config, current_lang())
    return render_template("support/staff/targets.html", report=report, happiness=happiness,
                           charts=_trend_charts(report), find=FindTicketForm(request.args))


def _happiness_chart(report: dict):
    labels = [week.strftime("%d.%m.") for week in report["weeks"]]
    return charts.line_chart(_("Happiness score per week"), labels,
                             [charts.Series(_("Great"), [_percent(h.score) for h in report["per_week"].values()])],
                             description=_("Share of “great” among the ratings of answers given that week."),
                             label_header=_("Week"), unit=" %", y_max=100)


@staff_bp.get("/happiness")
@role_required(*STAFF_ROLES)
def happiness():
    report = reports.happiness_report(db.session, get_config(), current_lang())
    return render_template("support/staff/happiness.html", report=report, chart=_happiness_chart(report))


@staff_bp.get("/volume")
@role_required(*STAFF_ROLES)
def volume_page():
    config = get_config()
    form = request.args.get("form") if request.args.get("form") in config.forms else None
    urgency = request.args.get("urgency") if request.args.get("urgency") in ("urgent", "normal") else None
    weeks = request.args.get("weeks", type=int) or volume.DEFAULT_WEEKS
    data = volume.volume_charts(db.session, config, current_lang(), weeks=weeks, form=form, urgency=urgency)
    return render_template("support/staff/volume.html", data=data, config=config, form=form, urgency=urgency,
                           week_choices=volume.WEEK_CHOICES)


@staff_bp.get("/tickets")
@role_required(*STAFF_ROLES)
def find_ticket():
    form = FindTicketForm(request.args)
    if not form.validate():
        flash(_("Enter a reference such as T-2026-000123."), "error")
        return redirect(url_for("support_staff.targets"))
    return redirect(url_for("support_staff.ticket", reference=form.reference.data.strip().upper()))


def _ticket_or_404(reference: str):
    ticket = services.ticket_by_reference(db.session, reference)
    if ticket is None:
        abort(404)
    return ticket


@staff_bp.route("/tickets/<reference>", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def ticket(reference: str):
    found = _ticket_or_404(reference)
    config = get_config()
    form = TicketEventForm()
    if request.method == "GET" and not form.agent.data:
        form.agent.data = current_user.display_name
    if request.method == "POST":
        if not form.validate_on_submit():
            return _ticket_page(found, form, config), 422
        when = form.occurred_at.data
        moment = when.replace(tzinfo=config.schedule.timezone) if isinstance(when, datetime) else None
        try:
            services.record_event(db.session, reference, form.kind.data, occurred_at=moment,
                                  agent=form.agent.data, source="staff")
        except services.EventError:
            db.session.rollback()
            form.occurred_at.errors = [_("That moment is in the future.")]
            return _ticket_page(found, form, config), 422
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("support_staff.ticket", reference=reference), code=303)
    return _ticket_page(found, form, config)


def _ticket_page(found, form, config):
    lifecycle = db.session.get(TicketLifecycle, found.reference)
    waited = None
    if lifecycle and lifecycle.first_answered_at:
        waited = reports.business_minutes(config.schedule, found.created_at, lifecycle.first_answered_at) / 60
    ratings = db.session.query(Rating).filter(Rating.reference == found.reference).order_by(Rating.round).all()
    return render_template("support/staff/ticket.html", ticket=found, lifecycle=lifecycle, waited=waited,
                           events=services.events_of(db.session, found.reference), ratings=ratings, form=form,
                           answer_address=mailin.answer_address_for(found.reference), config=config)


@staff_bp.get("/ideas/")
@role_required(*STAFF_ROLES)
def idea_list():
    status = request.args.get("status") if request.args.get("status") in IDEA_STATUSES else None
    return render_template("support/staff/ideas.html", rows=ideas.listing(db.session, status), status=status,
                           statuses=IDEA_STATUSES)


def _idea_or_404(idea_id: int) -> Idea:
    found = db.session.get(Idea, idea_id)
    if found is None:
        abort(404)
    return found


def _idea_page(idea: Idea, status=200, **forms):
    merged_into = ideas.resolve(db.session, idea) if idea.merged_into_id else None
    context = {"edit": IdeaForm(obj=idea), "merge": MergeForm(), "link": LinkTicketForm(), **forms}
    references = [r.reference for r in idea.requesters]
    tickets = {ref: services.ticket_by_reference(db.session, ref) for ref in references}
    return render_template("support/staff/idea.html", idea=idea, merged_into=merged_into, tickets=tickets,
                           **context), status


@staff_bp.get("/ideas/<int:idea_id>")
@role_required(*STAFF_ROLES)
def idea(idea_id: int):
    return _idea_page(_idea_or_404(idea_id))


def _idea_error(err: ideas.IdeaError) -> str:
    messages = {"merged": _("This idea was merged; change the idea it was merged into."),
                "status": _("Choose a status."),
                "release_url": _("The link must start with https://, http:// or /."),
                "release_url needed": _("Add the link to the release notes or article before marking it shipped."),
                "same idea": _("An idea cannot be merged into itself."),
                "unknown ticket": _("No ticket has this reference.")}
    return messages.get(str(err), str(err))


@staff_bp.post("/ideas/<int:idea_id>")
@role_required(*STAFF_ROLES)
def idea_update(idea_id: int):
    found = _idea_or_404(idea_id)
    form = IdeaForm()
    if not form.validate_on_submit():
        return _idea_page(found, 422, edit=form)
    try:
        told = ideas.update(db.session, found, status=form.status.data, title=form.title.data,
                            release_url=form.release_url.data)
    except ideas.IdeaError as err:
        db.session.rollback()
        form.release_url.errors = [_idea_error(err)]
        return _idea_page(found, 422, edit=form)
    flash(_("Saved. %(count)s requester(s) told that it shipped.", count=told) if told else _("Saved."), "success")
    return redirect(url_for("support_staff.idea", idea_id=idea_id), code=303)


@staff_bp.post("/ideas/<int:idea_id>/merge")
@role_required(*STAFF_ROLES)
def idea_merge(idea_id: int):
    found = _idea_or_404(idea_id)
    form = MergeForm()
    target = db.session.get(Idea, form.into.data) if form.validate_on_submit() else None
    if target is None:
        form.into.errors = list(form.into.errors) + [_("No idea has this number.")]
        return _idea_page(found, 422, merge=form)
    try:
        kept = ideas.merge(db.session, found, target)
    except ideas.IdeaError as err:
        db.session.rollback()
        form.into.errors = [_idea_error(err)]
        return _idea_page(found, 422, merge=form)
    flash(_("Merged."), "success")
    return redirect(url_for("support_staff.idea", idea_id=kept.id), code=303)


@staff_bp.post("/ideas/<int:idea_id>/link")
@role_required(*STAFF_ROLES)
def idea_link(idea_id: int):
    found = _idea_or_404(idea_id)
    form = LinkTicketForm()
    if not form.validate_on_submit():
        return _idea_page(found, 422, link=form)
    try:
        ideas.link_ticket(db.session, found, form.reference.data)
    except ideas.IdeaError as err:
        db.session.rollback()
        form.reference.errors = [_idea_error(err)]
        return _idea_page(found, 422, link=form)
    flash(_("Ticket linked."), "success")
    return redirect(url_for("support_staff.idea", idea_id=ideas.resolve(db.session, found).id), code=303)
