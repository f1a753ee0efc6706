"""Working time as people read it, given the calendar's working day."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.domain.workcal import END_OF_DAY, WorkingCalendar
from bot.slack.blocks.durations import (
    calendar_text,
    clock_text,
    working_days_label,
    working_days_list,
    working_time_label,
)

EIGHT = timedelta(hours=8)


@pytest.mark.parametrize(
    ("hours", "label"),
    [
        (4, "½ working day"),
        (8, "1 working day"),
        (12, "1½ working days"),
        (3, "3 working hours"),
        (1, "1 working hour"),
        (16, "2 working days"),
        (19, "2 working days 3 h"),
        (20, "2½ working days"),
        (80, "10 working days"),
        (0, "0 min of working time"),
    ],
)
def test_hours_in_an_eight_hour_day(hours: int, label: str) -> None:
    assert working_days_label(hours, EIGHT) == label


def test_a_shorter_working_day_makes_the_same_hours_more_days() -> None:
    four = timedelta(hours=4)
    assert working_days_label(2, four) == "½ working day"
    assert working_days_label(6, four) == "1½ working days"
    assert working_days_label(5, four) == "1 working day 1 h"
    seven = timedelta(hours=7)
    assert working_days_label(7, seven) == "1 working day"
    assert working_days_label(4, seven) == "4 working hours", "half of 7 h is 3 h 30"
    assert working_time_label(timedelta(hours=3, minutes=30), seven) == "½ working day"


def test_minutes_are_kept_and_seconds_dropped() -> None:
    assert working_time_label(timedelta(hours=2, minutes=30), EIGHT) == "2 working hours 30 min"
    assert working_time_label(timedelta(minutes=45, seconds=59), EIGHT) == "45 min of working time"
    assert working_time_label(timedelta(hours=8, minutes=15), EIGHT) == "1 working day 15 min"
    assert working_time_label(timedelta(hours=11, minutes=30), EIGHT) == "1 working day 3 h 30 min"
    assert working_time_label(timedelta(hours=-3), EIGHT) == "0 min of working time"


def test_a_whole_day_calendar_and_a_degenerate_day() -> None:
    whole = WorkingCalendar(start=time(0), end=END_OF_DAY).working_day
    assert working_days_label(36, whole) == "1½ working days"
    assert working_days_label(5, timedelta(0)) == "5 working hours"


def test_lists_of_timeboxes_are_compact_when_they_are_half_days() -> None:
    assert working_days_list([4, 8, 4, 12, 4, 8], EIGHT) == "½, 1, ½, 1½, ½, 1 working days"
    assert working_days_list([3, 8], EIGHT) == "3 working hours, 1 working day"


def test_clock_and_calendar_texts() -> None:
    assert clock_text(EIGHT) == "8 h"
    assert clock_text(timedelta(hours=7, minutes=30)) == "7 h 30 min"
    assert clock_text(timedelta(minutes=20)) == "20 min"
    paris = WorkingCalendar(tz="Europe/Paris", start=time(9), end=time(17))
    assert calendar_text(paris) == "mon-fri 09:00–17:00, Europe/Paris"
    assert calendar_text(None) == "mon-fri 09:00–17:00, the facilitator's time zone"
    assert calendar_text(WorkingCalendar(days=frozenset({6, 0, 1, 2, 3}), start=time(8), end=END_OF_DAY)) == (
        "sun-thu 08:00–24:00, UTC"
    )
