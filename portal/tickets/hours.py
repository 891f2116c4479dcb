"""Business hours, holidays and response targets: "when can I expect an answer?".

Pure functions over a :class:`Schedule` (built from ``tickets.yaml`` by
:mod:`portal.tickets.config`) and aware datetimes, so that every case (night,
weekend, holiday, daylight-saving change) is unit-tested with fixed clocks.

Opening hours are wall-clock times in the schedule's time zone; durations are
measured in real (UTC) time, so a 2-business-hour target is two real hours of
opening time even on the night the clocks change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import ngettext

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: How far ahead to look for the next opening before giving up (a schedule with
#: no opening hours at all is rejected by the config loader; this only guards
#: against a year of holidays).
MAX_DAYS_AHEAD = 400


@lru_cache(maxsize=16)
def _country_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    import holidays  # imported lazily: only schedules that name a country need it

    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year).keys())


@dataclass(frozen=True)
class Schedule:
    """Weekly opening hours in a time zone, minus holidays."""

    timezone: ZoneInfo
    #: weekday (0 = Monday) -> ((open, close), ...); a close of ``None`` means midnight.
    weekly: dict[int, tuple[tuple[time, time | None], ...]]
    holidays: frozenset[date] = frozenset()
    country: str | None = None
    subdivision: str | None = None

    def is_holiday(self, day: date) -> bool:
        if day in self.holidays:
            return True
        return bool(self.country) and day in _country_holidays(self.country, self.subdivision, day.year)

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The opening intervals of a local calendar day, as aware UTC datetimes."""
        if self.is_holiday(day):
            return []
        found = []
        for opens, closes in self.weekly.get(day.weekday(), ()):
            start = datetime.combine(day, opens, self.timezone)
            if closes is None:
                end = datetime.combine(day + timedelta(days=1), time(0), self.timezone)
            else:
                end = datetime.combine(day, closes, self.timezone)
            found.append((start.astimezone(timezone.utc), end.astimezone(timezone.utc)))
        return found

    @property
    def business_day_minutes(self) -> int:
        """The length of the longest regular opening day: what "1 business day" means."""
        longest = 0
        for spans in self.weekly.values():
            total = 0
            for opens, closes in spans:
                end = 24 * 60 if closes is None else closes.hour * 60 + closes.minute
                total += end - (opens.hour * 60 + opens.minute)
            longest = max(longest, total)
        return longest


@dataclass(frozen=True)
class ResponseTarget:
    """A promise such as "within 2 business hours" or "within 1 business day"."""

    name: str
    amount: int
    unit: str  # "hours" or "days"
    labels: dict = field(default_factory=dict)

    def minutes(self, schedule: Schedule) -> int:
        if self.unit == "hours":
            return self.amount * 60
        return self.amount * schedule.business_day_minutes

    def describe(self) -> str:
        if self.unit == "hours":
            return ngettext("within %(num)s business hour", "within %(num)s business hours", self.amount)
        return ngettext("within %(num)s business day", "within %(num)s business days", self.amount)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("hours.py needs aware datetimes")
    return moment.astimezone(timezone.utc)


def _local_day(schedule: Schedule, moment: datetime) -> date:
    return moment.astimezone(schedule.timezone).date()


def is_open(schedule: Schedule, moment: datetime) -> bool:
    """Whether support is staffed at ``moment``."""
    moment = _utc(moment)
    day = _local_day(schedule, moment)
    # an interval ending at midnight may have started the previous local day
    for candidate in (day - timedelta(days=1), day):
        for start, end in schedule.intervals(candidate):
            if start <= moment < end:
                return True
    return False


def _open_intervals_from(schedule: Schedule, moment: datetime):
    """Opening intervals that end after ``moment``, in order, clipped to start no earlier."""
    day = _local_day(schedule, moment) - timedelta(days=1)
    for _offset in range(MAX_DAYS_AHEAD):
        for start, end in schedule.intervals(day):
            if end > moment:
                yield max(start, moment), end
        day += timedelta(days=1)


def next_opening(schedule: Schedule, moment: datetime) -> datetime | None:
    """``moment`` itself when open, else the start of the next opening interval."""
    for start, _end in _open_intervals_from(schedule, _utc(moment)):
        return start
    return None


def add_business_minutes(schedule: Schedule, start: datetime, minutes: int) -> datetime | None:
    """The moment when ``minutes`` of opening time have passed since ``start``."""
    remaining = timedelta(minutes=minutes)
    moment = _utc(start)
    for begin, end in _open_intervals_from(schedule, moment):
        available = end - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    return None


def expected_answer(schedule: Schedule, submitted_at: datetime, target: ResponseTarget) -> datetime | None:
    """The latest moment the customer can expect an answer (aware UTC)."""
    return add_business_minutes(schedule, submitted_at, target.minutes(schedule))


def round_up(moment: datetime, minutes: int = 15) -> datetime:
    """Round up to a whole quarter hour: "before 16:30" reads better than "before 16:23"."""
    moment = _utc(moment).replace(second=0, microsecond=0) + (
        timedelta(minutes=1) if moment.second or moment.microsecond else timedelta(0))
    extra = (-moment.minute) % minutes
    return moment + timedelta(minutes=extra)


@dataclass(frozen=True)
class Deadline:
    """A deadline as the customer should read it, relative to their "now"."""

    kind: str  # "today" | "tomorrow" | "weekday" | "date"
    local: datetime

    def describe(self, locale: str) -> str:
        clock = self.local.strftime("%H:%M")
        if self.kind == "today":
            return _("today before %(time)s", time=clock)
        if self.kind == "tomorrow":
            return _("tomorrow before %(time)s", time=clock)
        if self.kind == "weekday":
            weekday = format_date(self.local.date(), "EEEE", locale=locale)
            return _("%(weekday)s before %(time)s", weekday=weekday, time=clock)
        day = format_date(self.local.date(), "d MMMM", locale=locale)
        return _("on %(date)s before %(time)s", date=day, time=clock)


def relative_deadline(schedule: Schedule, deadline: datetime, now: datetime) -> Deadline:
    """Classify ``deadline`` as today / tomorrow / a weekday this week / a date."""
    local = round_up(deadline).astimezone(schedule.timezone)
    today = _local_day(schedule, now)
    days = (local.date() - today).days
    if days <= 0:
        kind = "today"
    elif days == 1:
        kind = "tomorrow"
    elif days < 7:
        kind = "weekday"
    else:
        kind = "date"
    return Deadline(kind=kind, local=local)


def describe_expectation(schedule: Schedule, target: ResponseTarget, now: datetime, locale: str) -> dict:
    """Everything the form, confirmation and e-mail say about the answer time.

    ``{"target": "within 2 business hours", "open": bool, "deadline": aware UTC,
    "when": "tomorrow before 11:00", "timezone": "Europe/Amsterdam"}``
    """
    deadline = expected_answer(schedule, now, target)
    when = relative_deadline(schedule, deadline, now).describe(locale) if deadline else None
    return {
        "target": target.describe(),
        "open": is_open(schedule, now),
        "deadline": deadline,
        "when": when,
        "timezone": str(schedule.timezone.key),
    }

