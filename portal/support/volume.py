"""When customers write: ticket volume by weekday and hour (a heatmap), by
form and by urgency, drawn by :mod:`portal.charts` as accessible SVG.

Counted in the schedule's time zone over the last ``weeks`` weeks, so the
team can staff for its peaks. Only counts: no reference, subject or address.
"""
from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import charts
from portal.db import utcnow
from portal.tickets.models import PRIORITY_URGENT, Ticket

DEFAULT_WEEKS = 12
WEEK_CHOICES = (4, 12, 26, 52)
#: A Monday, to name the weekdays in the page's language.
_MONDAY = date(2024, 1, 1)


def volume_charts(session: Session, tickets_config, lang: str, *, weeks: int = DEFAULT_WEEKS,
                  form: str | None = None, urgency: str | None = None) -> dict:
    """Heatmap (weekday × hour) and bar charts (per form, per urgency) of tickets."""
    weeks = weeks if weeks in WEEK_CHOICES else DEFAULT_WEEKS
    since = utcnow() - timedelta(weeks=weeks)
    query = select(Ticket.created_at, Ticket.form_slug, Ticket.priority, Ticket.urgency).where(
        Ticket.created_at >= since)
    if form:
        query = query.where(Ticket.form_slug == form)
    if urgency == "urgent":
        query = query.where(Ticket.priority == PRIORITY_URGENT)
    elif urgency == "normal":
        query = query.where(Ticket.priority != PRIORITY_URGENT)
    grid = [[0] * 24 for _day in range(7)]
    per_form: dict[str, int] = {}
    per_urgency: dict[str | None, int] = {}
    total = 0
    for created_at, slug, _priority, answer in session.execute(query):
        local = created_at.astimezone(tickets_config.schedule.timezone)
        grid[local.weekday()][local.hour] += 1
        per_form[slug] = per_form.get(slug, 0) + 1
        per_urgency[answer] = per_urgency.get(answer, 0) + 1
        total += 1
    days = [format_date(_MONDAY + timedelta(days=n), "EEE", locale=lang) for n in range(7)]
    hours = [f"{h:02d}" for h in range(24)]
    busiest = max(((grid[d][h], d, h) for d in range(7) for h in range(24)), default=(0, 0, 0))
    description = (_("%(count)s tickets in the last %(weeks)s weeks; busiest: %(day)s %(hour)s:00.",
                     count=total, weeks=weeks, day=days[busiest[1]], hour=hours[busiest[2]])
                   if total else _("No tickets in this period."))
    heat = charts.heatmap(_("Tickets by weekday and hour"), days, hours, grid, description=description,
                          corner_header=_("Day"))
    form_labels = [(tickets_config.form(s).title.get(lang) if tickets_config.form(s) else s) for s in per_form]
    by_form = charts.bar_chart(_("Tickets per form"), form_labels,
                               [charts.Series(_("Tickets"), list(per_form.values()))],
                               description=_("Tickets sent through each contact form."), label_header=_("Form"))
    urgency_labels = []
    for value in per_urgency:
        option = tickets_config.urgency_option(value)
        urgency_labels.append(option.label.get(lang) if option else _("Not asked"))
    by_urgency = charts.bar_chart(_("Tickets per urgency"), urgency_labels,
                                  [charts.Series(_("Tickets"), list(per_urgency.values()))],
                                  description=_("The answer to “What is blocked?”, where the form asks it."),
                                  label_header=_("Urgency"))
    return {"heatmap": heat, "by_form": by_form, "by_urgency": by_urgency, "total": total, "weeks": weeks}
