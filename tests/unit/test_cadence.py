"""A group's cadence, one date at a time, in the group's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.domain.cadence import Cadence

EVERY_OTHER_TUESDAY_PARIS = Cadence(first=date(2026, 10, 13), at=time(10, 0), every_weeks=2, tz="Europe/Paris")


def test_every_other_tuesday_keeps_ten_o_clock_local_across_the_end_of_summer_time() -> None:
    # Paris leaves summer time on Sunday 25 October 2026: 10:00 is 08:00 UTC before, 09:00 UTC after.
    first, second, third = EVERY_OTHER_TUESDAY_PARIS.occurrences_after(datetime(2026, 10, 1, tzinfo=UTC), 3)
    assert first == datetime(2026, 10, 13, 8, 0, tzinfo=UTC)
    assert second == datetime(2026, 10, 27, 9, 0, tzinfo=UTC)
    assert third == datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def test_the_start_of_summer_time_is_followed_too() -> None:
    weekly = Cadence(first=date(2027, 3, 9), at=time(10, 0), every_weeks=1, tz="America/New_York")
    # New York moves its clocks on 14 March 2027 (Paris on 28 March: each zone has its own day).
    before, after = weekly.occurrences_after(datetime(2027, 3, 1, tzinfo=UTC), 2)
    assert before == datetime(2027, 3, 9, 15, 0, tzinfo=UTC)  # EST: UTC-5
    assert after == datetime(2027, 3, 16, 14, 0, tzinfo=UTC)  # EDT: UTC-4


def test_every_other_week_keeps_its_rhythm_over_the_turn_of_the_year() -> None:
    # 2026 has an ISO week 53: a cron "week */2" would meet twice in a row (weeks 53 and 1).
    cadence = Cadence(first=date(2026, 12, 22), at=time(10, 0), every_weeks=2, tz="Europe/Paris")
    dates = [d.date() for d in cadence.occurrences_after(datetime(2026, 12, 1, tzinfo=UTC), 4)]
    assert dates == [date(2026, 12, 22), date(2027, 1, 5), date(2027, 1, 19), date(2027, 2, 2)]


def test_the_next_date_is_strictly_after_the_moment_given() -> None:
    ten_paris = datetime(2026, 10, 13, 8, 0, tzinfo=UTC)
    assert EVERY_OTHER_TUESDAY_PARIS.next_after(ten_paris) == datetime(2026, 10, 27, 9, 0, tzinfo=UTC)
    assert EVERY_OTHER_TUESDAY_PARIS.next_after(datetime(2026, 10, 13, 7, 59, tzinfo=UTC)) == ten_paris
    # Between two dates, the off week is skipped.
    assert EVERY_OTHER_TUESDAY_PARIS.next_after(datetime(2026, 10, 20, 12, 0, tzinfo=UTC)).day == 27


def test_a_wall_time_skipped_by_the_clocks_moves_forward() -> None:
    at_two_thirty = Cadence(first=date(2027, 3, 28), at=time(2, 30), every_weeks=1, tz="Europe/Paris")
    # 02:30 does not exist in Paris on 28 March 2027: it is 03:30 CEST, 01:30 UTC.
    assert at_two_thirty.next_after(datetime(2027, 3, 27, tzinfo=UTC)) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_nonsense_is_refused() -> None:
    with pytest.raises(ValueError):
        Cadence(first=date(2026, 1, 1), at=time(10, 0), every_weeks=0, tz="UTC")
    with pytest.raises(ValueError):
        EVERY_OTHER_TUESDAY_PARIS.next_after(datetime(2026, 1, 1))
