"""What the support lead reads: first-answer times against the targets, the
tickets still waiting, and the Happiness score.

Times are business time: the opening hours and holidays of ``tickets.yaml``
(:mod:`portal.tickets.hours`), so a ticket sent on Friday at 16:30 and answered
on Monday at 9:30 waited one business hour. Weeks start on Monday in the
schedule's time zone. Pure reads: nothing here writes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.support import config as support_config
from portal.support.models import SCORE_GREAT, SCORE_POOR, Rating, TicketLifecycle
from portal.tickets.hours import Schedule
from portal.tickets.models import STATUS_WITHDRAWN, Ticket

TREND_WEEKS = 12


def business_minutes(schedule: Schedule, start: datetime, end: datetime) -> float:
    """Opening time between two moments, in minutes (0 when ``end`` is not later)."""
    start, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    if end <= start:
        return 0.0
    day = start.astimezone(schedule.timezone).date() - timedelta(days=1)
    last = end.astimezone(schedule.timezone).date()
    total = 0.0
    while day <= last:
        for opens, closes in schedule.intervals(day):
            overlap = min(closes, end) - max(opens, start)
            if overlap > timedelta(0):
                total += overlap.total_seconds() / 60
        day += timedelta(days=1)
    return total


def week_start(schedule: Schedule, moment: datetime) -> date:
    local = moment.astimezone(schedule.timezone).date()
    return local - timedelta(days=local.weekday())


def _utc_of(schedule: Schedule, day: date) -> datetime:
    return datetime.combine(day, time(0), schedule.timezone).astimezone(timezone.utc)


@dataclass
class Figures:
    """First-answer figures of a group of tickets against the targets."""

    tickets: int = 0
    answered: int = 0
    #: Answered, or unanswered and already past the "within" target (a miss).
    due: int = 0
    within: int = 0
    aim: int = 0
    promise: int = 0
    minutes: list = field(default_factory=list)

    @property
    def average_hours(self) -> float | None:
        return sum(self.minutes) / len(self.minutes) / 60 if self.minutes else None

    def share(self, count: int) -> float | None:
        return count / self.due if self.due else None

    @property
    def within_share(self) -> float | None:
        return self.share(self.within)

    @property
    def aim_share(self) -> float | None:
        return self.share(self.aim)

    @property
    def promise_share(self) -> float | None:
        return self.share(self.promise)

    def meets(self, targets) -> bool | None:
        if self.average_hours is None or self.within_share is None:
            return None
        return self.average_hours < targets.average_hours and self.within_share >= targets.within_share


def _ticket_rows(session: Session, since: datetime) -> list:
    query = (select(Ticket.reference, Ticket.form_slug, Ticket.subject, Ticket.priority, Ticket.status,
                    Ticket.created_at, TicketLifecycle.first_answered_at, TicketLifecycle.first_agent)
             .outerjoin(TicketLifecycle, TicketLifecycle.reference == Ticket.reference)
             .where(Ticket.created_at >= since))
    return session.execute(query).all()


def _add(figures: Figures, waited: float, answered: bool, targets) -> None:
    figures.tickets += 1
    if answered:
        figures.answered += 1
        figures.minutes.append(waited)
    if answered or waited > targets.within_hours * 60:
        figures.due += 1
        figures.within += waited <= targets.within_hours * 60 and answered
        figures.aim += waited <= targets.aim_hours * 60 and answered
        figures.promise += waited <= targets.promise_hours * 60 and answered


def targets_report(session: Session, tickets_config, lang: str, now: datetime | None = None) -> dict:
    """This week, last week, per team and form, a 12-week trend, and who is waiting."""
    now = now or utcnow()
    schedule = tickets_config.schedule
    targets = support_config.targets()
    this_week = week_start(schedule, now)
    weeks = [this_week - timedelta(weeks=n) for n in range(TREND_WEEKS - 1, -1, -1)]
    trend = {week: Figures() for week in weeks}
    periods = {"this_week": Figures(), "last_week": Figures()}
    by_team: dict[str, dict[str, Figures]] = {}
    by_form: dict[str, dict[str, Figures]] = {}
    waiting = []
    for row in _ticket_rows(session, _utc_of(schedule, weeks[0])):
        answered = row.first_answered_at is not None
        if not answered and row.status == STATUS_WITHDRAWN:
            continue  # withdrawn before anyone answered: nothing was owed
        waited = business_minutes(schedule, row.created_at, row.first_answered_at or now)
        week = week_start(schedule, row.created_at)
        if week in trend:
            _add(trend[week], waited, answered, targets)
        period = "this_week" if week == this_week else "last_week" if week == this_week - timedelta(weeks=1) else None
        if period:
            _add(periods[period], waited, answered, targets)
            team = support_config.team_of(row.form_slug, tickets_config)
            _add(by_team.setdefault(team, {"this_week": Figures(), "last_week": Figures()})[period],
                 waited, answered, targets)
            _add(by_form.setdefault(row.form_slug, {"this_week": Figures(), "last_week": Figures()})[period],
                 waited, answered, targets)
        if not answered:
            waiting.append({"reference": row.reference, "form": row.form_slug, "subject": row.subject,
                            "urgent": row.priority == "urgent", "created_at": row.created_at,
                            "waited_hours": waited / 60, "past_target": waited > targets.within_hours * 60})
    waiting.sort(key=lambda w: (not w["past_target"], -w["waited_hours"]))
    forms = {slug: (tickets_config.form(slug).title.get(lang) if tickets_config.form(slug) else slug)
             for slug in by_form}
    return {"targets": targets, "periods": periods, "trend": trend, "weeks": weeks,
            "teams": {support_config.team_label(t, tickets_config, lang): f for t, f in sorted(by_team.items())},
            "forms": {forms[slug]: f for slug, f in sorted(by_form.items())},
            "waiting": waiting, "now": now}


@dataclass
class Happiness:
    rated: int = 0
    great: int = 0
    okay: int = 0
    poor: int = 0

    def add(self, score: str) -> None:
        self.rated += 1
        setattr(self, score, getattr(self, score) + 1)

    @property
    def score(self) -> float | None:
        """The Happiness score: the share of "great"."""
        return self.great / self.rated if self.rated else None


def happiness_report(session: Session, tickets_config, lang: str, now: datetime | None = None) -> dict:
    """The Happiness score per week (12 weeks), per form and per support person; poor ratings."""
    now = now or utcnow()
    schedule = tickets_config.schedule
    this_week = week_start(schedule, now)
    weeks = [this_week - timedelta(weeks=n) for n in range(TREND_WEEKS - 1, -1, -1)]
    ratings = session.scalars(select(Rating).where(Rating.requested_at >= _utc_of(schedule, weeks[0]))
                              .order_by(Rating.rated_at.desc())).all()
    per_week = {week: Happiness() for week in weeks}
    per_form: dict[str, Happiness] = {}
    per_agent: dict[str, Happiness] = {}
    total, asked, poor = Happiness(), len(ratings), []
    for rating in ratings:
        if rating.score is None:
            continue
        total.add(rating.score)
        week = week_start(schedule, rating.requested_at)
        if week in per_week:
            per_week[week].add(rating.score)
        form = tickets_config.form(rating.form_slug)
        per_form.setdefault(form.title.get(lang) if form else rating.form_slug, Happiness()).add(rating.score)
        if rating.agent:
            per_agent.setdefault(rating.agent, Happiness()).add(rating.score)
        if rating.score == SCORE_POOR:
            poor.append(rating)
    poor.sort(key=lambda r: (not r.comment, -(r.rated_at or now).timestamp()))
    return {"total": total, "asked": asked, "weeks": weeks, "per_week": per_week,
            "per_form": dict(sorted(per_form.items())), "per_agent": dict(sorted(per_agent.items())),
            "poor": poor, "great": SCORE_GREAT}
