"""Working hours on the wall clock: when a private nudge may reach someone. Pure; zoneinfo for DST."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class QuietHours:
    """Hours (local time) and days when codev keeps quiet. start > end means the quiet spans midnight."""

    start: time = time(18, 0)
    end: time = time(9, 0)
    weekends: bool = True

    def is_quiet(self, local: datetime) -> bool:
        if self.weekends and local.weekday() >= 5:
            return True
        moment = local.time()
        if self.start == self.end:
            return False
        if self.start > self.end:  # e.g. 18:00 → 09:00
            return moment >= self.start or moment < self.end
        return self.start <= moment < self.end


DEFAULT_QUIET_HOURS = QuietHours()


def choose_quiet_hours(own: QuietHours | None, group: QuietHours | None) -> QuietHours:
    """A person's own quiet hours win over their group's, which win over the default."""
    return own or group or DEFAULT_QUIET_HOURS


def zone(tz_name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def is_zone(tz_name: str) -> bool:
    """An IANA zone name zoneinfo knows (e.g. Europe/Paris)."""
    if not tz_name or tz_name.startswith("/") or ".." in tz_name:
        return False
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def next_working_moment(moment: datetime, tz_name: str | None, quiet: QuietHours) -> datetime:
    """`moment` if it is outside quiet hours for that person, else the end of their quiet time (UTC).

    Walks local wall-clock time with the IANA zone (never a fixed offset), so DST changes are right.
    """
    if moment.tzinfo is None:
        raise ValueError("aware datetimes only")
    tz = zone(tz_name)
    local = moment.astimezone(tz)
    for _ in range(15):  # a week of weekend and nights at the most, with margin
        if not quiet.is_quiet(local):
            return local.astimezone(UTC)
        local = _end_of_quiet(local, quiet, tz)
    return local.astimezone(UTC)


def _end_of_quiet(local: datetime, quiet: QuietHours, tz: ZoneInfo) -> datetime:
    """The next local moment at which this stretch of quiet ends (quiet.end today or tomorrow)."""
    candidate_day = local.date()
    if quiet.weekends and local.weekday() >= 5:
        candidate_day += timedelta(days=7 - local.weekday())
        return _at(candidate_day, quiet.end, tz)
    if local.time() >= quiet.end and quiet.start > quiet.end:
        candidate_day += timedelta(days=1)
    return _at(candidate_day, quiet.end, tz)


def _at(day: date, wall: time, tz: ZoneInfo) -> datetime:
    naive = datetime.combine(day, wall)
    aware = naive.replace(tzinfo=tz)
    # A wall time skipped by a DST jump does not exist: round-tripping through UTC moves it forward.
    return aware.astimezone(UTC).astimezone(tz)


def local_moment(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """That wall-clock time on that day in that zone, as a UTC moment (a skipped time moves forward)."""
    return _at(day, wall, tz).astimezone(UTC)
