"""Business hours and "when can I expect an answer": pure functions, fixed clocks."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from portal.tickets import hours
from portal.tickets.hours import ResponseTarget, Schedule

AMS = ZoneInfo("Europe/Amsterdam")
WEEKDAYS_9_TO_5 = {day: ((time(9), time(17)),) for day in range(5)}
TWO_HOURS = ResponseTarget("urgent", 2, "hours")
ONE_DAY = ResponseTarget("normal", 1, "days")


def ams(*args) -> datetime:
    return datetime(*args, tzinfo=AMS)


@pytest.fixture
def schedule() -> Schedule:
    return Schedule(timezone=AMS, weekly=WEEKDAYS_9_TO_5)


def local(moment: datetime) -> datetime:
    return moment.astimezone(AMS)


def test_friday_night_with_two_hour_target_is_monday_eleven(schedule):
    sent = ams(2026, 11, 20, 21, 0)  # a Friday
    deadline = hours.expected_answer(schedule, sent, TWO_HOURS)
    assert local(deadline) == ams(2026, 11, 23, 11, 0)
    assert hours.relative_deadline(schedule, deadline, sent).describe("en") == "Monday before 11:00"


def test_tuesday_night_is_tomorrow_before_eleven(schedule):
    sent = ams(2026, 11, 17, 21, 0)
    deadline = hours.expected_answer(schedule, sent, TWO_HOURS)
    assert local(deadline) == ams(2026, 11, 18, 11, 0)
    assert hours.relative_deadline(schedule, deadline, sent).describe("en") == "tomorrow before 11:00"


def test_during_hours_the_clock_runs_from_now(schedule):
    sent = ams(2026, 11, 17, 10, 0)
    deadline = hours.expected_answer(schedule, sent, TWO_HOURS)
    assert local(deadline) == ams(2026, 11, 17, 12, 0)
    assert hours.relative_deadline(schedule, deadline, sent).describe("en") == "today before 12:00"


def test_time_left_today_carries_over_to_the_next_morning(schedule):
    deadline = hours.expected_answer(schedule, ams(2026, 11, 17, 16, 30), TWO_HOURS)
    assert local(deadline) == ams(2026, 11, 18, 10, 30)


def test_business_day_target_is_the_length_of_a_working_day(schedule):
    assert schedule.business_day_minutes == 8 * 60
    deadline = hours.expected_answer(schedule, ams(2026, 11, 17, 21, 0), ONE_DAY)
    assert local(deadline) == ams(2026, 11, 18, 17, 0)
    deadline = hours.expected_answer(schedule, ams(2026, 11, 17, 13, 0), ONE_DAY)
    assert local(deadline) == ams(2026, 11, 18, 13, 0)


def test_holidays_from_the_list_and_the_country_are_skipped():
    schedule = Schedule(timezone=AMS, weekly=WEEKDAYS_9_TO_5, holidays=frozenset({date(2026, 12, 24)}), country="NL")
    sent = ams(2026, 12, 23, 21, 0)  # Wednesday; Thu 24 listed, Fri 25 Christmas (NL), then the weekend
    assert hours.is_open(schedule, ams(2026, 12, 24, 10, 0)) is False
    assert hours.is_open(schedule, ams(2026, 12, 25, 10, 0)) is False
    deadline = hours.expected_answer(schedule, sent, TWO_HOURS)
    assert local(deadline) == ams(2026, 12, 28, 11, 0)
    assert hours.relative_deadline(schedule, deadline, sent).describe("en") == "Monday before 11:00"


def test_a_long_closure_names_the_date():
    closed = frozenset(date(2026, 12, d) for d in range(21, 32)) | {date(2027, 1, 1)}
    schedule = Schedule(timezone=AMS, weekly=WEEKDAYS_9_TO_5, holidays=closed)
    sent = ams(2026, 12, 18, 20, 0)
    deadline = hours.expected_answer(schedule, sent, TWO_HOURS)
    assert local(deadline) == ams(2027, 1, 4, 11, 0)
    assert hours.relative_deadline(schedule, deadline, sent).describe("en") == "on 4 January before 11:00"


def test_daylight_saving_change_over_the_weekend(schedule):
    # Clocks go forward on Sunday 29 March 2026: Friday is UTC+1, Monday UTC+2.
    sent = ams(2026, 3, 27, 16, 0)
    deadline = hours.expected_answer(schedule, sent, TWO_HOURS)
    assert local(deadline) == ams(2026, 3, 30, 10, 0)
    assert deadline.astimezone(timezone.utc) == datetime(2026, 3, 30, 8, 0, tzinfo=timezone.utc)


def test_a_day_of_23_hours_counts_23_real_hours():
    sundays = Schedule(timezone=AMS, weekly={6: ((time(0), None),)})
    assert hours.is_open(sundays, ams(2026, 3, 29, 23, 59))
    deadline = hours.expected_answer(sundays, ams(2026, 3, 29, 0, 0), ResponseTarget("x", 24, "hours"))
    # 23 real hours on the short Sunday, the last hour the Sunday after
    assert local(deadline) == ams(2026, 4, 5, 1, 0)


def test_opening_hours_are_half_open(schedule):
    assert hours.is_open(schedule, ams(2026, 11, 17, 9, 0))
    assert hours.is_open(schedule, ams(2026, 11, 17, 16, 59))
    assert not hours.is_open(schedule, ams(2026, 11, 17, 17, 0))
    assert not hours.is_open(schedule, ams(2026, 11, 21, 12, 0))  # Saturday
    assert hours.next_opening(schedule, ams(2026, 11, 21, 12, 0)) == ams(2026, 11, 23, 9, 0)


def test_split_days_and_the_page_language():
    schedule = Schedule(timezone=AMS, weekly={0: ((time(9), time(12)), (time(13), time(17)))})
    deadline = hours.expected_answer(schedule, ams(2026, 11, 23, 11, 0), TWO_HOURS)
    assert local(deadline) == ams(2026, 11, 23, 14, 0)  # lunch does not count
    sent = ams(2026, 11, 20, 21, 0)
    described = hours.relative_deadline(schedule, hours.expected_answer(schedule, sent, TWO_HOURS), sent).describe("nl")
    assert "maandag" in described and "11:00" in described  # the weekday in the page's language


def test_deadlines_round_up_to_a_quarter_hour(schedule):
    assert hours.round_up(ams(2026, 11, 17, 10, 23)) == ams(2026, 11, 17, 10, 30)
    assert hours.round_up(ams(2026, 11, 17, 10, 30)) == ams(2026, 11, 17, 10, 30)
    assert hours.round_up(ams(2026, 11, 17, 10, 30, 5)) == ams(2026, 11, 17, 10, 45)


def test_describe_expectation_says_whether_we_are_open(schedule):
    closed = hours.describe_expectation(schedule, TWO_HOURS, ams(2026, 11, 17, 21, 0), "en")
    assert closed["open"] is False and closed["when"] == "tomorrow before 11:00"
    assert closed["target"] == "within 2 business hours"
    open_now = hours.describe_expectation(schedule, ONE_DAY, ams(2026, 11, 17, 10, 0), "en")
    assert open_now["open"] is True and open_now["target"] == "within 1 business day"


def test_naive_datetimes_are_refused(schedule):
    with pytest.raises(ValueError):
        hours.is_open(schedule, datetime(2026, 11, 17, 10, 0))
