"""The charts of ``/staff/insights``: figures over time, drawn by :mod:`portal.charts`.

* searches per day (and how many of them found nothing);
* happiness per week (share of "great" answers);
* tickets and deflected contact attempts per week;
* tickets by weekday and hour, in the support team's time zone (a heatmap).

Rows are grouped in Python after one narrow query each, so the same code
runs on SQLite and PostgreSQL and days follow the support time zone.
"""
from __future__ import annotations

from datetime import date, timedelta

from babel.dates import get_day_names
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal import charts
from portal.db import session
from portal.insights.models import SearchDaily
from portal.insights.report import Period
from portal.kb.models import RATING_GREAT, Article, ArticleFeedback
from portal.tickets import analytics
from portal.tickets.models import DeflectionEvent, Ticket


def support_timezone():
    from portal.tickets.config import get_config

    return get_config().schedule.timezone


def _days(period: Period) -> list[date]:
    return [period.first_day + timedelta(days=n) for n in range(period.days)]


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _weeks(period: Period) -> list[date]:
    first, last = _week_start(period.first_day), _week_start(period.end.date())
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def _day_label(day: date) -> str:
    return format_date(day, "d MMM")


def search_volume(period: Period) -> charts.Chart:
    statement = select(SearchDaily.day, SearchDaily.searches, SearchDaily.results).where(
        SearchDaily.day >= period.first_day)
    if period.locale:
        statement = statement.where(SearchDaily.locale == period.locale)
    searches: dict[date, int] = {}
    empty: dict[date, int] = {}
    for day, count, results in session.execute(statement):
        searches[day] = searches.get(day, 0) + count
        if not results:
            empty[day] = empty.get(day, 0) + count
    days = _days(period)
    total = sum(searches.values())
    return charts.line_chart(
        _("Searches per day"), [_day_label(d) for d in days],
        [charts.Series(_("Searches"), [searches.get(d, 0) for d in days]),
         charts.Series(_("Found nothing"), [empty.get(d, 0) for d in days])],
        description=_("%(total)d searches in the last %(days)d days, %(empty)d of them found nothing.",
                      total=total, days=period.days, empty=sum(empty.values())),
        label_header=_("Day"))


def happiness_trend(period: Period) -> charts.Chart:
    timezone = support_timezone()
    statement = (select(ArticleFeedback.created_at, ArticleFeedback.rating)
                 .where(ArticleFeedback.created_at >= period.since))
    if period.locale:
        statement = statement.join(Article, Article.id == ArticleFeedback.article_id).where(
            Article.locale == period.locale)
    weeks = _weeks(period)
    answers = {week: [0, 0] for week in weeks}  # [great, all]
    for created_at, rating in session.execute(statement):
        week = _week_start(created_at.astimezone(timezone).date())
        if week in answers:
            answers[week][0] += rating == RATING_GREAT
            answers[week][1] += 1
    shares = [round(100 * great / total) if total else None for great, total in (answers[w] for w in weeks)]
    all_great, all_answers = sum(a[0] for a in answers.values()), sum(a[1] for a in answers.values())
    description = (_("%(share)d %% of %(total)d answers were “great”.",
                     share=round(100 * all_great / all_answers), total=all_answers) if all_answers
                   else _("No answers in this period."))
    return charts.line_chart(
        _("Happiness per week (share of “great”)"), [_day_label(w) for w in weeks],
        [charts.Series(_("Great"), shares)], description=description, label_header=_("Week of"),
        unit=" %", y_max=100)


def tickets_and_deflections(period: Period) -> charts.Chart:
    timezone = support_timezone()
    weeks = _weeks(period)
    tickets = dict.fromkeys(weeks, 0)
    deflected: dict[date, set] = {week: set() for week in weeks}
    statement = select(Ticket.created_at).where(Ticket.created_at >= period.since)
    if period.locale:
        statement = statement.where(Ticket.locale == period.locale)
    for (created_at,) in session.execute(statement):
        week = _week_start(created_at.astimezone(timezone).date())
        if week in tickets:
            tickets[week] += 1
    events = select(DeflectionEvent.created_at, DeflectionEvent.attempt_id).where(
        DeflectionEvent.created_at >= period.since,
        DeflectionEvent.event.in_((analytics.SOLVED, analytics.WITHDRAWN)))
    if period.locale:
        events = events.where(DeflectionEvent.locale == period.locale)
    for created_at, attempt_id in session.execute(events):
        week = _week_start(created_at.astimezone(timezone).date())
        if week in deflected:
            deflected[week].add(attempt_id)
    ticket_counts = [tickets[w] for w in weeks]
    deflection_counts = [len(deflected[w]) for w in weeks]
    return charts.bar_chart(
        _("Tickets and deflections per week"), [_day_label(w) for w in weeks],
        [charts.Series(_("Tickets sent"), ticket_counts),
         charts.Series(_("Solved by an article"), deflection_counts)],
        description=_("%(tickets)d tickets sent; %(deflected)d contact attempts ended with “this solved my "
                      "problem” or a withdrawn ticket.", tickets=sum(ticket_counts), deflected=sum(deflection_counts)),
        label_header=_("Week of"))


def tickets_by_hour(period: Period) -> charts.Chart:
    timezone = support_timezone()
    grid = [[0] * 24 for _day in range(7)]
    statement = select(Ticket.created_at).where(Ticket.created_at >= period.since)
    if period.locale:
        statement = statement.where(Ticket.locale == period.locale)
    for (created_at,) in session.execute(statement):
        local = created_at.astimezone(timezone)
        grid[local.weekday()][local.hour] += 1
    names = get_day_names("abbreviated", locale=str(get_locale() or "en"))
    weekdays = [names[n] for n in range(7)]
    total = sum(map(sum, grid))
    busiest = max(((grid[d][h], d, h) for d in range(7) for h in range(24)), default=(0, 0, 0))
    description = (_("%(total)d tickets; the busiest hour was %(day)s %(hour)02d:00–%(next)02d:00 (%(count)d).",
                     total=total, day=get_day_names("wide", locale=str(get_locale() or "en"))[busiest[1]],
                     hour=busiest[2], next=(busiest[2] + 1) % 24, count=busiest[0])
                   if total else _("No tickets in this period."))
    return charts.heatmap(
        _("Tickets by weekday and hour"), weekdays, [f"{hour:02d}" for hour in range(24)], grid,
        description=description + " " + _("Times in %(zone)s.", zone=str(timezone)), corner_header=_("Day"))


def all_charts(period: Period) -> list[charts.Chart]:
    return [search_volume(period), happiness_trend(period), tickets_and_deflections(period), tickets_by_hour(period)]
