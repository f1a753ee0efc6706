"""A working calendar: a zone, working days and hours, holidays — and working-time arithmetic. Pure; zoneinfo for DST.

Every operation takes and returns aware datetimes in UTC. A *working period* is one working date's hours, read
on that date's local wall clock, as the half-open span of real instants [start, end).

The DST rule. A period runs from the first time the local clock reads its start to the last time it reads its
end, and lasts the real time in between: 09:00–17:00 is always 8 hours in zones that change their clocks at
night, while hours that cover a change count what really elapses (00:00–08:00 in Paris lasts 7 hours on the
last Sunday of March and 9 on the last Sunday of October, as a night shift that works until the clock says
08:00). A wall time that does not exist that day (clocks go forward) is read as the moment the clocks jump
over it, so a period inside a skipped hour is empty. Periods never run backwards, and should two dates'
periods overlap (an hour repeated across midnight), the time they share is counted once.

"A working day" (`WorkingCalendar.working_day`) is the nominal length of the hours on the wall clock
(8 hours for 09:00–17:00), the same on every date: "1 working day" added on a DST day still means 8 hours of
working time, and a day that really holds 7 or 9 simply spreads it differently.

Adding working time lands inside a working period or exactly on a period's end (never on the next morning's
start); subtracting lands inside a period or exactly on a period's start. The arithmetic walks working dates,
never minutes: a run of days off is skipped in one step and holidays are a set lookup, leaving two zone
conversions per working date (a thousand working days take about 6 ms). It does not jump whole weeks: zoneinfo
does not tell where a zone's clock changes are, and a week is only "40 hours" once that is known.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.domain.calendar import QuietHours, is_zone

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The day names a person may type, in the languages codev speaks (no two share their first three letters).
DAY_NAMES = (
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
)
MONDAY_TO_FRIDAY = frozenset(range(5))
DEFAULT_START = time(9, 0)
DEFAULT_END = time(17, 0)
END_OF_DAY = time.max  # "24:00": working until midnight (its last microsecond, which nobody can tell apart)
ONE_DAY = timedelta(days=1)
ZERO = timedelta(0)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class WorkingCalendar:
    tz: str = "UTC"  # an IANA zone name
    days: frozenset[int] = MONDAY_TO_FRIDAY  # weekday numbers, Monday = 0
    start: time = DEFAULT_START  # local wall-clock time, naive
    end: time = DEFAULT_END  # same day, after start
    holidays: frozenset[date] = frozenset()  # local dates without work
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "days", frozenset(self.days))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        problems = _problems(self.tz, self.days, self.start, self.end)
        if problems:
            raise ValueError("; ".join(problems))
        object.__setattr__(self, "_zone", ZoneInfo(self.tz))

    def in_zone(self, tz: str | None) -> WorkingCalendar:
        """The same days, hours and holidays on another zone's wall clock (a member's own); this one if unknown."""
        if not tz or tz == self.tz or not is_zone(tz):
            return self
        return WorkingCalendar(tz=tz, days=self.days, start=self.start, end=self.end, holidays=self.holidays)

    def spec(self) -> str:
        """One line that `from_spec` reads back: "Europe/Paris;mon-fri;09:00-17:00;2026-12-25,2027-01-01"."""
        return ";".join((self.tz, describe_days(self.days), describe_hours(self), describe_holidays(self, ",")))

    @property
    def working_day(self) -> timedelta:
        """The nominal length of a working day: the hours on the wall clock (see the module's note)."""
        if self.end == END_OF_DAY:
            return datetime.combine(date.min + ONE_DAY, time(0)) - datetime.combine(date.min, self.start)
        end = datetime.combine(date.min, self.end)
        return end - datetime.combine(date.min, self.start)

    # -- the operations -------------------------------------------------------------------------------------

    def is_working(self, instant: datetime) -> bool:
        instant = _utc(instant)
        day = self._local_date(instant)
        # The neighbouring dates too: a clock change across midnight can put a period's edge on the next date.
        periods = (self._period(day + n * ONE_DAY) for n in (-1, 0, 1))
        return any(p is not None and p[0] <= instant < p[1] for p in periods)

    def may_notify(self, instant: datetime) -> bool:
        """Working time, or the very end of a working period: a deadline that uses the day to its last minute
        (17:00 sharp) still reaches people whose day ends then."""
        return self.is_working(instant) or self.is_working(_utc(instant) - timedelta(microseconds=1))

    def next_working_instant(self, instant: datetime) -> datetime:
        """`instant` itself when it is working time, else the start of the next working period."""
        instant = _utc(instant)
        for start, end in self._periods_from(self._local_date(instant) - ONE_DAY):
            if instant < end and start < end:
                return max(instant, start)
        raise AssertionError("unreachable: a calendar has working dates in every week but its holidays")

    def add(self, instant: datetime, working: timedelta) -> datetime:
        """The instant at which `working` time of work has been done, counting from `instant`.

        Zero changes nothing. Landing exactly on the end of a period returns that end.
        """
        instant = _utc(instant)
        if working < ZERO:
            raise ValueError("add a positive working time (or subtract)")
        if working == ZERO:
            return instant
        left = working
        for start, end in self._periods_from(self._local_date(instant) - ONE_DAY):
            begin = max(instant, start)
            if begin >= end:
                continue
            if left <= end - begin:
                return begin + left
            left -= end - begin
        raise AssertionError("unreachable")

    def subtract(self, instant: datetime, working: timedelta) -> datetime:
        """The latest instant `y` with `between(y, instant) == working`: a reminder at a share of the working time
        before a deadline. Zero changes nothing. Landing exactly on the start of a period returns that start.
        """
        instant = _utc(instant)
        if working < ZERO:
            raise ValueError("subtract a positive working time (or add)")
        if working == ZERO:
            return instant
        left = working
        for start, end in self._periods_back_from(self._local_date(instant) + ONE_DAY):
            finish = min(instant, end)
            if finish <= start:
                continue
            if left <= finish - start:
                return finish - left
            left -= finish - start
        raise AssertionError("unreachable")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The working time in [start, end); zero when end <= start."""
        start, end = _utc(start), _utc(end)
        total = ZERO
        if end <= start:
            return total
        for begin, finish in self._periods_from(self._local_date(start) - ONE_DAY):
            if begin >= end:
                break
            overlap = min(finish, end) - max(begin, start)
            if overlap > ZERO:
                total += overlap
        return total

    # -- periods --------------------------------------------------------------------------------------------

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self._zone).date()

    def is_working_date(self, day: date) -> bool:
        """A working weekday that is not a holiday (its period may still be empty, inside a skipped hour)."""
        return day.weekday() in self.days and day not in self.holidays

    def _period(self, day: date) -> tuple[datetime, datetime] | None:
        if not self.is_working_date(day):
            return None
        return _instant(day, self.start, self._zone), _instant(day, self.end, self._zone, last=True)

    def _periods_from(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """The periods of the working dates from `day` on, in order (skipping non-working weekdays in one step)."""
        floor: datetime | None = None
        while True:
            if day.weekday() not in self.days:
                day += timedelta(days=self._gap_forward(day.weekday()))
                continue
            if day not in self.holidays:
                start, end = _instant(day, self.start, self._zone), _instant(day, self.end, self._zone, last=True)
                if floor is not None:
                    start, end = max(start, floor), max(end, floor)
                yield start, end
                floor = end
            day += ONE_DAY

    def _periods_back_from(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """The periods of the working dates from `day` back, latest first."""
        ceiling: datetime | None = None
        while True:
            if day.weekday() not in self.days:
                day -= timedelta(days=self._gap_back(day.weekday()))
                continue
            if day not in self.holidays:
                start, end = _instant(day, self.start, self._zone), _instant(day, self.end, self._zone, last=True)
                if ceiling is not None:
                    start, end = min(start, ceiling), min(end, ceiling)
                yield start, end
                ceiling = start
            day -= ONE_DAY

    def _gap_forward(self, weekday: int) -> int:
        return next(n for n in range(1, 8) if (weekday + n) % 7 in self.days)

    def _gap_back(self, weekday: int) -> int:
        return next(n for n in range(1, 8) if (weekday - n) % 7 in self.days)


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("aware datetimes only")
    return instant.astimezone(UTC)


def _instant(day: date, wall: time, zone: ZoneInfo, *, last: bool = False) -> datetime:
    """That wall-clock time on that date as a UTC instant: its first (or `last`) occurrence if the clocks go back,
    the moment they jump over it if they skip it."""
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the offset in force before any change
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return naive.replace(tzinfo=zone, fold=1).astimezone(UTC) if last else first
    # Skipped: fold=1 reads it with the offset after the jump, an instant before it. The jump lies in between;
    # zone changes fall on whole seconds, so bisect over whole seconds.
    second = timedelta(seconds=1)
    low = (naive.replace(tzinfo=zone, fold=1).astimezone(UTC) - _EPOCH) // second
    high = -((_EPOCH - first) // second)
    before = datetime.fromtimestamp(low, zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return _EPOCH + timedelta(seconds=high)


# -- what a group modal gives -------------------------------------------------------------------------------

_HOURS = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*[-–—]\s*(\d{1,2})(?::(\d{2}))?\s*$")


class Problem(str):
    """Why a field of the group modal cannot be read: the English reason (configuration errors, logs), with the
    catalogue key and values that say it in a reader's language (bot/messages.py holds the same English under
    `key`; the domain stays free of the catalogue)."""

    key: str
    params: dict[str, str]

    def __new__(cls, key: str, english: str, **params: str) -> Problem:
        problem = super().__new__(cls, english.format(**params))
        problem.key = key
        problem.params = params
        return problem


def parse_calendar(
    *, tz: str, days: str = "mon-fri", hours: str = "09:00-17:00", holidays: str | Iterable[str] = ""
) -> tuple[WorkingCalendar | None, dict[str, Problem]]:
    """A calendar from a modal's text fields, or the reasons it cannot be one, by field ("tz", "days",
    "hours", "holidays"); never an exception.

    Days: "mon-fri", "mon,wed,fri", "sun-thu" (a range may wrap past Sunday). Hours: "09:00-17:00" or "9-17".
    Holidays: ISO dates (2026-12-25) separated by commas, spaces or new lines, or a list of them.
    """
    errors: dict[str, Problem] = {}
    zone_name = tz.strip()
    if not is_zone(zone_name):
        errors["tz"] = Problem(
            "calendar_tz_unknown", "“{value}” is not a time zone (for instance Europe/Paris).", value=tz
        )
    weekdays, reason = parse_days(days)
    if reason:
        errors["days"] = reason
    span, reason = parse_hours(hours)
    if reason:
        errors["hours"] = reason
    dates, reason = parse_holidays(holidays)
    if reason:
        errors["holidays"] = reason
    if errors or span is None:
        return None, errors
    return WorkingCalendar(tz=zone_name, days=weekdays, start=span[0], end=span[1], holidays=dates), {}


def parse_days(text: str) -> tuple[frozenset[int], Problem | None]:
    found: set[int] = set()
    parts = re.split(r"[,;\s]+", re.sub(r"\s*[-–—]\s*", "-", text.strip().lower()))
    for part in (p for p in parts if p):
        ends = [_day_number(word) for word in part.split("-")]
        if len(ends) > 2 or None in ends:
            return frozenset(), Problem(
                "calendar_days_unknown",
                "“{value}” is not a day or a range of days (for instance mon-fri or mon,wed,fri).",
                value=part,
            )
        first, last = ends[0], ends[-1]
        assert first is not None and last is not None
        found.update((first + n) % 7 for n in range((last - first) % 7 + 1))
    if not found:
        return frozenset(), Problem("calendar_days_none", "Give at least one working day (for instance mon-fri).")
    return frozenset(found), None


def _day_number(word: str) -> int | None:
    """0 for "mon", "mond", "monday", "lun", "lun." or "lundi"… None for anything else."""
    word = word.rstrip(".")
    return next(
        (n for names in DAY_NAMES for n, name in enumerate(names) if len(word) >= 3 and name.startswith(word)), None
    )


def parse_hours(text: str) -> tuple[tuple[time, time] | None, Problem | None]:
    match = _HOURS.match(text)
    unknown = Problem(
        "calendar_hours_unknown", "“{value}” is not a span of hours (for instance 09:00-17:00).", value=text
    )
    if not match:
        return None, unknown
    start_h, start_m, end_h, end_m = (int(g) if g else 0 for g in match.groups())
    midnight = (end_h, end_m) in ((24, 0), (0, 0))  # "18-24" and "0-0"… "00:00-24:00" is the whole day
    if start_h > 23 or (end_h > 23 and not midnight) or start_m > 59 or end_m > 59:
        return None, unknown
    start, end = time(start_h, start_m), END_OF_DAY if midnight else time(end_h, end_m)
    if end <= start:
        return None, Problem(
            "calendar_hours_order", "Working hours end after they start, on the same day (for instance 09:00-17:00)."
        )
    return (start, end), None


def parse_holidays(text: str | Iterable[str]) -> tuple[frozenset[date], Problem | None]:
    words = re.split(r"[,;\s]+", text) if isinstance(text, str) else [w for t in text for w in re.split(r"[,;\s]+", t)]
    found: set[date] = set()
    for word in (w for w in words if w):
        try:
            found.add(date.fromisoformat(word))
        except ValueError:
            return frozenset(), Problem(
                "calendar_holiday_unknown", "“{value}” is not a date written as 2026-12-25.", value=word
            )
    return frozenset(found), None


def describe_days(days: frozenset[int], names: Sequence[str] = WEEKDAY_NAMES) -> str:
    """The working days as the modal shows them: "mon-fri", "mon,wed,fri", "sun-thu" (or in other `names`)."""
    if len(days) == 7:
        return f"{names[0]}-{names[6]}"
    # Start after a day off, so a run that wraps past Sunday stays whole.
    first = next(d for d in range(7) if d in days and (d - 1) % 7 not in days)
    runs: list[list[int]] = []
    for n in range(7):
        day = (first + n) % 7
        if day not in days:
            continue
        if runs and (runs[-1][-1] + 1) % 7 == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(names[r[0]] if len(r) == 1 else f"{names[r[0]]}-{names[r[-1]]}" for r in runs)


def describe_hours(calendar: WorkingCalendar) -> str:
    end = "24:00" if calendar.end == END_OF_DAY else f"{calendar.end:%H:%M}"
    return f"{calendar.start:%H:%M}-{end}"


def describe_holidays(calendar: WorkingCalendar, separator: str = ", ") -> str:
    return separator.join(d.isoformat() for d in sorted(calendar.holidays))


@lru_cache(maxsize=1024)
def from_spec(spec: str | None) -> WorkingCalendar | None:
    """The calendar `WorkingCalendar.spec` wrote, or None for no spec (or one that no longer reads: a zone gone).

    Cached: every snapshot and plan of an async session reads its calendar, and a calendar never changes."""
    if not spec:
        return None
    parts = spec.split(";")
    if len(parts) != 4:
        return None
    calendar, errors = parse_calendar(tz=parts[0], days=parts[1], hours=parts[2], holidays=parts[3])
    return None if errors else calendar


def from_quiet_hours(quiet: QuietHours, tz: str | None) -> WorkingCalendar:
    """A person's `/codev quiet` hours as the working time they leave: quiet 18:00-09:00 works 09:00-18:00.

    Quiet hours inside one day (13:00-14:00) leave two spans, and a working calendar has one a day: the span from
    their end to midnight is kept, so such a person is reached after their quiet hours, never before them.
    """
    zone_name = tz if tz and is_zone(tz) else "UTC"
    days = MONDAY_TO_FRIDAY if quiet.weekends else frozenset(range(7))
    if quiet.start == quiet.end:
        start, end = time(0), END_OF_DAY
    elif quiet.start > quiet.end:
        start, end = quiet.end, quiet.start
    else:
        start, end = quiet.end, END_OF_DAY
    return WorkingCalendar(tz=zone_name, days=days, start=start, end=end)


def _problems(tz: str, days: frozenset[int], start: time, end: time) -> list[str]:
    problems = []
    if not is_zone(tz):
        problems.append(f"unknown time zone {tz!r}")
    if not days or not days <= frozenset(range(7)):
        problems.append("working days are a non-empty set of weekday numbers 0 (Monday) to 6")
    if start.tzinfo is not None or end.tzinfo is not None:
        problems.append("working hours are naive wall-clock times")
    elif end <= start:
        problems.append("working hours end after they start, on the same day")
    return problems


FOLLOW_UP_TIME = time(10, 0)  # a follow-up comes mid-morning of the due date, local time


def follow_up_moment(due: date, hours: WorkingCalendar, now: datetime) -> datetime:
    """When to ask how an action went: its due date at 10:00 on the person's clock, moved into their working
    hours. A date already past (or today, later than 10:00) means as soon as they are working."""
    start = max(_instant(due, FOLLOW_UP_TIME, ZoneInfo(hours.tz)), _utc(now))
    return hours.next_working_instant(start)


DEFAULT_CALENDAR = WorkingCalendar()  # UTC, Monday–Friday, 09:00–17:00: for a caller with no zone at all
