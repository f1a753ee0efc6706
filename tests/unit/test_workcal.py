"""Working-time arithmetic on a group's calendar: examples from issue 13, then properties over random calendars."""

from __future__ import annotations

import functools
import os
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.workcal import (
    WorkingCalendar,
    describe_days,
    describe_holidays,
    describe_hours,
    parse_calendar,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)
DAY = timedelta(hours=8)  # a working day of the default 09:00–17:00
MICRO = timedelta(microseconds=1)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


PARIS_CAL = WorkingCalendar(tz="Europe/Paris")
NEW_YORK_CAL = WorkingCalendar(tz="America/New_York")
# 2026: Christmas and New Year's Day both fall on a Friday.
PARIS_YEAR_END = WorkingCalendar(tz="Europe/Paris", holidays=frozenset({date(2026, 12, 25), date(2027, 1, 1)}))
PARIS_MAY_DAY = WorkingCalendar(tz="Europe/Paris", holidays=frozenset({date(2026, 5, 1)}))  # a Friday
UTC_CAL = WorkingCalendar()


@pytest.mark.parametrize(
    ("calendar", "start", "working", "end"),
    [
        # Issue 13: a one-day step started Friday 15:00 ends Monday 15:00.
        (PARIS_CAL, paris(2026, 6, 12, 15), DAY, paris(2026, 6, 15, 15)),
        (UTC_CAL, utc(2026, 6, 12, 15), DAY, utc(2026, 6, 15, 15)),
        # A step started on Saturday starts counting Monday 09:00.
        (PARIS_CAL, paris(2026, 6, 13, 11), HOUR, paris(2026, 6, 15, 10)),
        (PARIS_CAL, paris(2026, 6, 13, 11), DAY / 2, paris(2026, 6, 15, 13)),
        # Landing exactly on the end of a working day gives that end, not the next morning.
        (PARIS_CAL, paris(2026, 6, 13, 11), DAY, paris(2026, 6, 15, 17)),
        (PARIS_CAL, paris(2026, 6, 15, 9), DAY, paris(2026, 6, 15, 17)),
        (PARIS_CAL, paris(2026, 6, 15, 12), 5 * DAY, paris(2026, 6, 22, 12)),
        # Before the working day starts, counting starts at 09:00 the same day.
        (PARIS_CAL, paris(2026, 6, 15, 6, 30), 2 * HOUR, paris(2026, 6, 15, 11)),
        # A holiday inside a step (Friday 1 May 2026) is skipped.
        (PARIS_MAY_DAY, paris(2026, 4, 30, 15), DAY, paris(2026, 5, 4, 15)),
        (PARIS_MAY_DAY, paris(2026, 5, 1, 10), HOUR, paris(2026, 5, 4, 10)),
        # Paris springs forward on Sunday 29 March 2026: Friday 15:00 CET → Monday 15:00 CEST, 71 clock hours.
        (PARIS_CAL, paris(2026, 3, 27, 15), DAY, utc(2026, 3, 30, 13)),
        # …and falls back on Sunday 25 October 2026: Friday 15:00 CEST → Monday 15:00 CET, 73 clock hours.
        (PARIS_CAL, paris(2026, 10, 23, 15), DAY, utc(2026, 10, 26, 14)),
        # New York springs forward on 8 March 2026 (three weeks before Paris).
        (NEW_YORK_CAL, datetime(2026, 3, 6, 16, tzinfo=NEW_YORK), 2 * HOUR, utc(2026, 3, 9, 14)),
        (NEW_YORK_CAL, datetime(2026, 10, 30, 16, tzinfo=NEW_YORK), 2 * HOUR, utc(2026, 11, 2, 15)),
        # Year end: 7 h on Thu 24 Dec, Christmas off, 32 h on 28–31 Dec, New Year off, 9 h from Mon 4 Jan.
        (PARIS_YEAR_END, paris(2026, 12, 24, 10), 2 * DAY, paris(2026, 12, 29, 10)),
        (PARIS_YEAR_END, paris(2026, 12, 24, 10), 6 * DAY, paris(2027, 1, 5, 10)),
        (PARIS_YEAR_END, paris(2026, 12, 31, 16), 2 * HOUR, paris(2027, 1, 4, 10)),
        # Leap day: Tuesday 29 February 2028 is a working day like any other, unless it is a holiday.
        (UTC_CAL, utc(2028, 2, 28, 12), DAY, utc(2028, 2, 29, 12)),
        (
            WorkingCalendar(holidays=frozenset({date(2028, 2, 29)})),
            utc(2028, 2, 28, 12),
            DAY,
            utc(2028, 3, 1, 12),
        ),
        # A half-hour zone: 09:00 in Kolkata is 03:30 UTC.
        (WorkingCalendar(tz="Asia/Kolkata"), utc(2026, 6, 12, 9, 30), DAY, utc(2026, 6, 15, 9, 30)),
        # Sunday to Thursday, a range that wraps past Sunday.
        (WorkingCalendar(days=frozenset({6, 0, 1, 2, 3})), utc(2026, 6, 11, 15), DAY, utc(2026, 6, 14, 15)),
    ],
)
def test_adding_working_time(calendar: WorkingCalendar, start: datetime, working: timedelta, end: datetime) -> None:
    result = calendar.add(start, working)
    assert result == end
    assert result.tzinfo is UTC
    assert calendar.between(start, result) == working


def test_zero_changes_nothing_and_negative_time_is_refused() -> None:
    saturday = paris(2026, 6, 13, 11)
    assert PARIS_CAL.add(saturday, timedelta(0)) == saturday
    assert PARIS_CAL.subtract(saturday, timedelta(0)) == saturday
    with pytest.raises(ValueError):
        PARIS_CAL.add(saturday, -HOUR)
    with pytest.raises(ValueError):
        PARIS_CAL.subtract(saturday, -HOUR)
    with pytest.raises(ValueError):
        PARIS_CAL.add(datetime(2026, 6, 13, 11), HOUR)  # naive


def test_working_time_between_two_instants() -> None:
    friday, monday = paris(2026, 6, 12, 15), paris(2026, 6, 15, 15)
    assert PARIS_CAL.between(friday, monday) == DAY
    assert PARIS_CAL.between(monday, friday) == timedelta(0)
    assert PARIS_CAL.between(friday, friday) == timedelta(0)
    assert PARIS_CAL.between(paris(2026, 6, 13), paris(2026, 6, 15, 9)) == timedelta(0)  # a weekend
    assert PARIS_CAL.between(paris(2026, 3, 27, 17), paris(2026, 3, 30, 9)) == timedelta(0)  # with its DST jump
    assert PARIS_YEAR_END.between(paris(2026, 12, 21), paris(2027, 1, 11)) == 13 * DAY  # 15 weekdays, 2 holidays


def test_the_next_working_instant() -> None:
    assert PARIS_CAL.next_working_instant(paris(2026, 6, 12, 15)) == paris(2026, 6, 12, 15)
    assert PARIS_CAL.next_working_instant(paris(2026, 6, 12, 17)) == paris(2026, 6, 15, 9)  # the end is not working
    assert PARIS_CAL.next_working_instant(paris(2026, 6, 15, 8, 59)) == paris(2026, 6, 15, 9)
    assert PARIS_YEAR_END.next_working_instant(paris(2026, 12, 31, 23)) == paris(2027, 1, 4, 9)
    assert PARIS_CAL.is_working(paris(2026, 6, 15, 9))
    assert not PARIS_CAL.is_working(paris(2026, 6, 15, 17))
    assert not PARIS_CAL.is_working(paris(2026, 6, 13, 12))
    assert not PARIS_YEAR_END.is_working(paris(2026, 12, 25, 12))


def test_a_reminder_at_a_share_of_the_working_time_lands_in_working_hours() -> None:
    start = paris(2026, 6, 12, 15)
    deadline = PARIS_CAL.add(start, DAY)
    reminder = PARIS_CAL.subtract(deadline, PARIS_CAL.between(start, deadline) / 5)
    assert reminder == paris(2026, 6, 15, 13, 24)  # 1 h 36 before Monday 15:00, not 03:12 at night
    assert PARIS_CAL.is_working(reminder)
    # Subtracting exactly to a period's start gives that start, not the previous evening's end.
    assert PARIS_CAL.subtract(paris(2026, 6, 15, 10), HOUR) == paris(2026, 6, 15, 9)
    assert PARIS_CAL.subtract(paris(2026, 6, 15, 10), 2 * HOUR) == paris(2026, 6, 12, 16)
    assert PARIS_YEAR_END.subtract(paris(2027, 1, 4, 10), 2 * HOUR) == paris(2026, 12, 31, 16)


def test_hours_that_cover_a_clock_change_count_the_time_that_really_elapses() -> None:
    nights = WorkingCalendar(tz="Europe/Paris", days=frozenset(range(7)), start=time(0), end=time(8))
    assert nights.working_day == DAY  # "a working day" stays the wall-clock length…
    # …but 00:00–08:00 really lasts 7 hours when Paris springs forward and 9 when it falls back.
    assert nights.between(paris(2026, 3, 29), paris(2026, 3, 29, 12)) == 7 * HOUR
    assert nights.between(paris(2026, 10, 25), paris(2026, 10, 25, 12)) == 9 * HOUR
    assert nights.add(paris(2026, 3, 29), DAY) == paris(2026, 3, 30, 1)
    # A working period inside the skipped hour is empty; inside the repeated hour it runs from the first 02:15
    # (CEST) to the last 02:45 (CET).
    skipped = WorkingCalendar(tz="Europe/Paris", days=frozenset(range(7)), start=time(2, 15), end=time(2, 45))
    assert skipped.between(paris(2026, 3, 28, 12), paris(2026, 3, 29, 12)) == timedelta(0)
    assert skipped.add(paris(2026, 3, 28, 12), HOUR / 2) == utc(2026, 3, 30, 0, 45)
    assert skipped.between(paris(2026, 10, 24, 12), paris(2026, 10, 25, 12)) == HOUR + HOUR / 2
    assert skipped.add(paris(2026, 10, 24, 12), HOUR / 2) == utc(2026, 10, 25, 0, 45)
    # Santiago springs forward at midnight (00:00 → 01:00): a 00:00 start is read as the jump, 04:00 UTC.
    santiago = WorkingCalendar(tz="America/Santiago", days=frozenset(range(7)), start=time(0), end=time(8))
    assert santiago.next_working_instant(utc(2026, 9, 6, 1)) == utc(2026, 9, 6, 4)
    assert santiago.between(utc(2026, 9, 6), utc(2026, 9, 7)) == 7 * HOUR
    # Beirut falls back at midnight (00:00 → 23:00 the day before): Saturday's 22:00–23:30 lasts 2 h 30.
    beirut = WorkingCalendar(tz="Asia/Beirut", days=frozenset(range(7)), start=time(22), end=time(23, 30))
    assert beirut.between(utc(2026, 10, 24, 12), utc(2026, 10, 25, 12)) == 2 * HOUR + HOUR / 2
    assert beirut.add(utc(2026, 10, 24, 12), 2 * HOUR) == utc(2026, 10, 24, 21)  # 23:00 the second time


def test_a_thousand_working_days_are_quick() -> None:
    start = paris(2026, 6, 12, 15)
    began = clock.perf_counter()
    end = PARIS_YEAR_END.add(start, 1000 * DAY)
    assert PARIS_YEAR_END.between(start, end) == 1000 * DAY
    assert PARIS_YEAR_END.subtract(end, 1000 * DAY) == start
    assert clock.perf_counter() - began < 0.5  # about 20 ms in all on a laptop


def test_a_calendar_from_the_group_modal() -> None:
    calendar, errors = parse_calendar(
        tz=" Europe/Paris ", days="Mon - Thu, sat", hours="8:30–16", holidays="2026-12-25, 2027-01-01\n2026-05-01"
    )
    assert errors == {}
    assert calendar == WorkingCalendar(
        tz="Europe/Paris",
        days=frozenset({0, 1, 2, 3, 5}),
        start=time(8, 30),
        end=time(16),
        holidays=frozenset({date(2026, 12, 25), date(2027, 1, 1), date(2026, 5, 1)}),
    )
    assert calendar.working_day == timedelta(hours=7, minutes=30)
    assert parse_calendar(tz="UTC")[0] == WorkingCalendar()
    assert parse_calendar(tz="Asia/Jerusalem", days="sunday-thursday")[0] == WorkingCalendar(
        tz="Asia/Jerusalem", days=frozenset({6, 0, 1, 2, 3})
    )
    assert parse_calendar(tz="UTC", holidays=["2026-12-25", ""])[0] == WorkingCalendar(
        holidays=frozenset({date(2026, 12, 25)})
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"tz": "../etc/passwd"}, "tz"),
        ({"days": ""}, "days"),
        ({"days": "mon-fun"}, "days"),
        ({"days": "mon-wed-fri"}, "days"),
        ({"days": "mo"}, "days"),
        ({"hours": "17:00-09:00"}, "hours"),
        ({"hours": "09:00-09:00"}, "hours"),
        ({"hours": "9 to 5"}, "hours"),
        ({"hours": "09:00-25:00"}, "hours"),
        ({"hours": "09:75-17:00"}, "hours"),
        ({"holidays": "2026-02-30"}, "holidays"),
        ({"holidays": "25/12/2026"}, "holidays"),
    ],
)
def test_what_the_modal_gives_wrong_is_told_as_reasons_by_field(fields: dict[str, str], field: str) -> None:
    calendar, errors = parse_calendar(**{"tz": "UTC", **fields})
    assert calendar is None
    assert list(errors) == [field]
    assert isinstance(errors[field], str) and errors[field].endswith(".")


def test_a_calendar_refuses_nonsense() -> None:
    for wrong in (
        {"tz": "Nowhere/Land"},
        {"days": frozenset()},
        {"days": frozenset({7})},
        {"start": time(17), "end": time(9)},
        {"start": time(9, tzinfo=UTC)},
    ):
        with pytest.raises(ValueError):
            WorkingCalendar(**wrong)  # type: ignore[arg-type]


def test_days_are_described_as_the_modal_reads_them() -> None:
    assert describe_days(frozenset(range(5))) == "mon-fri"
    assert describe_days(frozenset({6, 0, 1, 2, 3})) == "sun-thu"
    assert describe_days(frozenset({0, 2, 4})) == "mon,wed,fri"
    assert describe_days(frozenset(range(7))) == "mon-sun"
    assert describe_hours(PARIS_CAL) == "09:00-17:00"
    assert describe_holidays(PARIS_YEAR_END) == "2026-12-25, 2027-01-01"


# -- properties over random calendars -------------------------------------------------------------------------

EXAMPLES = int(os.environ.get("CODEV_PROPERTY_EXAMPLES", "200"))  # raise it to search harder

ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "America/Santiago",  # southern hemisphere, changes at midnight
    "Asia/Beirut",  # falls back at midnight, to 23:00 the day before
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a half-hour DST change
    "Pacific/Auckland",
    "Asia/Kolkata",  # +05:30
    "Asia/Kathmandu",  # +05:45
    "America/St_Johns",  # -03:30 with DST
    "Africa/Casablanca",  # leaves its summer offset for Ramadan
]
# Dates near clock changes in those zones (and year ends), around which instants cluster.
ANCHORS = [
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 9, 6),
    date(2026, 9, 27),
    date(2026, 10, 4),
    date(2026, 10, 25),
    date(2026, 11, 1),
    date(2026, 12, 31),
    date(2027, 2, 7),
    date(2027, 3, 14),
    date(2028, 2, 29),
]
WALL_TIMES = [0, 30, 60, 90, 120, 135, 150, 180, 540, 1020, 1380, 1410]  # minutes; clock changes happen at night


@st.composite
def calendars(draw: st.DrawFn, around: date = date(2026, 6, 1)) -> WorkingCalendar:
    start = draw(st.one_of(st.sampled_from(WALL_TIMES), st.integers(0, 24 * 60 - 2)))
    end = draw(st.one_of(st.sampled_from([w for w in [*WALL_TIMES, 1439] if w > start] or [1439]),
                         st.integers(start + 1, 24 * 60 - 1)))  # fmt: skip
    holidays = draw(st.frozensets(st.integers(-10, 40).map(lambda n: around + timedelta(days=n)), max_size=12))
    return WorkingCalendar(
        tz=draw(st.sampled_from(ZONES)),
        days=draw(st.frozensets(st.integers(0, 6), min_size=1)),
        start=time(start // 60, start % 60),
        end=time(end // 60, end % 60),
        holidays=holidays,
    )


@st.composite
def instants(draw: st.DrawFn, near: date | None = None) -> datetime:
    day = near or draw(st.one_of(st.sampled_from(ANCHORS), st.dates(date(2024, 1, 1), date(2031, 12, 31))))
    seconds = draw(st.integers(-4 * 86400, 4 * 86400))
    return datetime.combine(day, time(), tzinfo=UTC) + timedelta(seconds=seconds)


@functools.cache
def clock_changes(tz: str) -> tuple[datetime, ...]:
    """The instants (UTC) at which this zone's offset changes in 2026–2027, to a second."""
    zone, changes = ZoneInfo(tz), []
    step, moment = timedelta(hours=6), datetime(2026, 1, 1, tzinfo=UTC)
    while moment < datetime(2028, 1, 1, tzinfo=UTC):
        low, high = moment, moment + step
        if low.astimezone(zone).utcoffset() != high.astimezone(zone).utcoffset():
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            changes.append(high.replace(microsecond=0))
        moment += step
    return tuple(changes)


@st.composite
def around_a_clock_change(draw: st.DrawFn) -> tuple[WorkingCalendar, datetime]:
    """A zone's clock change, working hours that cover or touch it on its date, and an instant a few days away."""
    tz = draw(st.sampled_from([z for z in ZONES if clock_changes(z)]))
    change = draw(st.sampled_from(clock_changes(tz)))
    local = (change - timedelta(minutes=draw(st.integers(0, 240)))).astimezone(ZoneInfo(tz))
    start = local.hour * 60 + local.minute
    end = min(start + draw(st.integers(1, 8 * 60)), 24 * 60 - 1)
    if end <= start:
        start, end = start - 1, start
    day = (change - timedelta(seconds=1)).astimezone(ZoneInfo(tz)).date()
    days = draw(st.frozensets(st.integers(0, 6))) | {day.weekday()}
    holidays = draw(st.frozensets(st.integers(-10, 20).map(lambda n: day + timedelta(days=n)), max_size=4))
    calendar = WorkingCalendar(
        tz=tz,
        days=frozenset(days),
        start=time(start // 60, start % 60),
        end=time(end // 60, end % 60),
        holidays=holidays - {day},
    )
    return calendar, change + timedelta(seconds=draw(st.integers(-3 * 86400, 3 * 86400)))


@st.composite
def anywhere(draw: st.DrawFn) -> tuple[WorkingCalendar, datetime]:
    """A calendar and an instant, its holidays around that instant."""
    instant = draw(instants())
    return draw(calendars(around=instant.date())), instant


cases = st.one_of(anywhere(), around_a_clock_change())
# Working time to add: clock minutes, or up to 20 of the calendar's working days (a calendar open one minute a
# day must not be asked for 40 days of working time: that walks a century of dates).
durations = st.one_of(
    st.integers(1, 10 * 60).map(lambda m: ("minutes", m)),
    st.integers(1, 20_000).map(lambda m: ("thousandths of a working day", m)),
)


def working_time(calendar: WorkingCalendar, amount: tuple[str, int]) -> timedelta:
    unit, count = amount
    return timedelta(minutes=count) if unit == "minutes" else calendar.working_day * count / 1000


settings_ = settings(max_examples=EXAMPLES, deadline=None)


def at_a_period_end(calendar: WorkingCalendar, instant: datetime) -> bool:
    return not calendar.is_working(instant) and calendar.is_working(instant - MICRO)


@settings_
@given(case=cases, amount=durations)
def test_the_working_time_added_is_the_working_time_between(
    case: tuple[WorkingCalendar, datetime], amount: tuple[str, int]
) -> None:
    calendar, start = case
    working = working_time(calendar, amount)
    end = calendar.add(start, working)
    assert end > start
    assert calendar.between(start, end) == working
    assert calendar.is_working(end) or at_a_period_end(calendar, end)
    assert calendar.subtract(end, working) == calendar.next_working_instant(start)
    assert calendar.between(calendar.subtract(end, working), end) == working


@settings_
@given(case=cases, first=durations, second=durations)
def test_adding_is_monotonic_and_adds_up(
    case: tuple[WorkingCalendar, datetime], first: tuple[str, int], second: tuple[str, int]
) -> None:
    calendar, start = case
    a, b = working_time(calendar, first), working_time(calendar, second)
    shorter, longer = sorted((a, b))
    assert calendar.add(start, shorter) <= calendar.add(start, longer)
    if shorter < longer:
        assert calendar.add(start, shorter) < calendar.add(start, longer)
    assert calendar.add(start, a + b) == calendar.add(calendar.add(start, a), b)


@settings_
@given(case=cases, later=st.integers(0, 10 * 86400), latest=st.integers(0, 10 * 86400))
def test_the_working_time_between_adds_up_over_a_split(
    case: tuple[WorkingCalendar, datetime], later: int, latest: int
) -> None:
    calendar, first = case
    middle = first + timedelta(seconds=later)
    last = middle + timedelta(seconds=latest)
    assert calendar.between(first, last) == calendar.between(first, middle) + calendar.between(middle, last)
    assert calendar.between(last, first) == timedelta(0) or first == last
    assert calendar.between(first, last) <= last - first


@settings_
@given(case=cases)
def test_the_next_working_instant_is_working_and_not_before(case: tuple[WorkingCalendar, datetime]) -> None:
    calendar, instant = case
    following = calendar.next_working_instant(instant)
    assert following >= instant
    assert calendar.is_working(following)
    assert calendar.between(instant, following) == timedelta(0)  # nothing working is skipped
    assert (following == instant) == calendar.is_working(instant)
    # is_working agrees with the periods that between counts.
    assert calendar.is_working(instant) == (calendar.between(instant, instant + MICRO) == MICRO)


@settings_
@given(case=cases)
def test_each_working_date_counts_the_real_time_from_its_first_start_to_its_last_end(
    case: tuple[WorkingCalendar, datetime],
) -> None:
    calendar, instant = case
    zone = ZoneInfo(calendar.tz)
    day = instant.astimezone(zone).date()
    begin = datetime.combine(day, calendar.start, tzinfo=zone)
    end = datetime.combine(day, calendar.end, tzinfo=zone).replace(fold=1)
    midnights = [datetime.combine(day + timedelta(days=n), time(), tzinfo=zone) for n in (0, 1)]
    # Where the clocks skip a wall time, the jump rule applies instead (see the examples above).
    if not all(_exists(moment) and _once(moment) for moment in midnights) or not (_exists(begin) and _exists(end)):
        return
    expected = end.astimezone(UTC) - begin.astimezone(UTC) if calendar.is_working_date(day) else timedelta(0)
    assert calendar.between(*midnights) == expected


def _exists(local: datetime) -> bool:
    return local.astimezone(UTC).astimezone(local.tzinfo).replace(tzinfo=None) == local.replace(tzinfo=None)


def _once(local: datetime) -> bool:
    return local.replace(fold=0).utcoffset() == local.replace(fold=1).utcoffset()


@settings_
@given(calendar=calendars())
def test_a_calendar_survives_the_modal_round_trip(calendar: WorkingCalendar) -> None:
    again, errors = parse_calendar(
        tz=calendar.tz,
        days=describe_days(calendar.days),
        hours=describe_hours(calendar),
        holidays=describe_holidays(calendar),
    )
    assert errors == {}
    assert again == calendar
