"""A person's hours: their own quiet hours win over the session's (or group's) calendar, which wins over the
default; all are read on the person's own zone's clock."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.domain.calendar import QuietHours
from bot.domain.workcal import WorkingCalendar, from_quiet_hours
from bot.services.reach import working_hours


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_quiet_evenings_and_weekends_leave_the_working_day() -> None:
    hours = from_quiet_hours(QuietHours(time(18), time(9)), "Europe/Paris")
    assert hours.is_working(utc(2026, 11, 26, 16, 30))  # Thursday 17:30 in Paris
    assert hours.next_working_instant(utc(2026, 11, 26, 18, 0)) == utc(2026, 11, 27, 8, 0)  # Friday 09:00
    assert hours.next_working_instant(utc(2026, 11, 27, 17, 0)) == utc(2026, 11, 30, 8, 0), "Monday"


def test_quiet_hours_without_the_weekend_rule_work_every_day() -> None:
    hours = from_quiet_hours(QuietHours(time(22), time(7), weekends=False), "America/Montreal")
    assert hours.is_working(utc(2026, 11, 28, 15, 0))  # Saturday 10:00 in Montreal


def test_quiet_from_and_until_the_same_time_is_never_quiet() -> None:
    hours = from_quiet_hours(QuietHours(time(8), time(8), weekends=False), "UTC")
    assert hours.is_working(utc(2026, 11, 28, 3, 0))


def test_spring_forward_is_counted_on_the_local_clock() -> None:
    hours = from_quiet_hours(QuietHours(), "Europe/Paris")
    assert hours.next_working_instant(utc(2026, 3, 27, 20, 0)) == utc(2026, 3, 30, 7, 0)  # 09:00 CEST


def test_own_quiet_hours_win_then_the_calendar_on_ones_own_clock_then_the_default() -> None:
    paris_group = WorkingCalendar(tz="Europe/Paris", start=time(10), end=time(16))
    own = working_hours(QuietHours(time(20), time(7)), "America/Montreal", paris_group)
    assert (own.tz, own.start, own.end) == ("America/Montreal", time(7), time(20))
    group = working_hours(None, "America/Montreal", paris_group)
    assert (group.tz, group.start, group.end) == ("America/Montreal", time(10), time(16))
    default = working_hours(None, "Asia/Tokyo", None)
    assert (default.tz, default.start, default.end) == ("Asia/Tokyo", time(9), time(17))
    unknown = working_hours(None, "Mars/Olympus", paris_group)
    assert unknown.tz == "Europe/Paris", "an unknown zone keeps the calendar's"
