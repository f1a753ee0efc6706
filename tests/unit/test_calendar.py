"""Quiet hours and working mornings, across weekends and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.domain.calendar import DEFAULT_QUIET_HOURS, QuietHours, choose_quiet_hours, next_working_moment


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_working_moment_is_kept() -> None:
    moment = utc(2026, 11, 25, 10, 0)  # Wednesday 11:00 in Paris
    assert next_working_moment(moment, "Europe/Paris", DEFAULT_QUIET_HOURS) == moment


def test_an_evening_moment_waits_for_the_next_morning() -> None:
    moment = utc(2026, 11, 25, 19, 30)  # Wednesday 20:30 in Paris
    assert next_working_moment(moment, "Europe/Paris", DEFAULT_QUIET_HOURS) == utc(2026, 11, 26, 8, 0)


def test_an_early_moment_waits_until_nine() -> None:
    moment = utc(2026, 11, 26, 5, 0)  # Thursday 06:00 in Paris
    assert next_working_moment(moment, "Europe/Paris", DEFAULT_QUIET_HOURS) == utc(2026, 11, 26, 8, 0)


def test_friday_evening_waits_for_monday() -> None:
    moment = utc(2026, 11, 27, 18, 0)  # Friday 19:00 in Paris
    assert next_working_moment(moment, "Europe/Paris", DEFAULT_QUIET_HOURS) == utc(2026, 11, 30, 8, 0)


def test_the_persons_own_zone_counts() -> None:
    moment = utc(2026, 11, 25, 19, 30)  # 20:30 in Paris but 14:30 in Montreal
    assert next_working_moment(moment, "America/Montreal", DEFAULT_QUIET_HOURS) == moment


def test_across_the_spring_dst_change() -> None:
    # Paris moves from UTC+1 to UTC+2 on Sunday 29 March 2026: Monday 09:00 is 07:00 UTC.
    moment = utc(2026, 3, 27, 20, 0)  # Friday 21:00 in Paris (UTC+1)
    assert next_working_moment(moment, "Europe/Paris", DEFAULT_QUIET_HOURS) == utc(2026, 3, 30, 7, 0)


def test_across_the_autumn_dst_change_in_new_york() -> None:
    # New York moves from UTC-4 to UTC-5 on Sunday 1 November 2026: Monday 09:00 is 14:00 UTC.
    moment = utc(2026, 10, 31, 15, 0)  # Saturday
    assert next_working_moment(moment, "America/New_York", DEFAULT_QUIET_HOURS) == utc(2026, 11, 2, 14, 0)


def test_a_daytime_quiet_window_and_no_weekend_rule() -> None:
    lunch = QuietHours(start=time(12, 0), end=time(14, 0), weekends=False)
    moment = utc(2026, 11, 28, 12, 30)  # Saturday 12:30 UTC
    assert next_working_moment(moment, "UTC", lunch) == utc(2026, 11, 28, 14, 0)


def test_an_unknown_zone_falls_back_to_utc() -> None:
    moment = utc(2026, 11, 25, 20, 0)
    assert next_working_moment(moment, "Mars/Olympus", DEFAULT_QUIET_HOURS) == utc(2026, 11, 26, 9, 0)


def test_own_quiet_hours_win_over_the_group_and_the_default() -> None:
    own, group = QuietHours(time(20), time(8)), QuietHours(time(19), time(10))
    assert choose_quiet_hours(own, group) is own
    assert choose_quiet_hours(None, group) is group
    assert choose_quiet_hours(None, None) is DEFAULT_QUIET_HOURS
