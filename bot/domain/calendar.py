"""Wall-clock facts: a person's quiet hours, time zone names, a local time on a date. Pure; zoneinfo for DST.

Working-time arithmetic (calendars, when someone may be notified) is in `bot.domain.workcal`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
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


def _at(day: date, wall: time, tz: ZoneInfo) -> datetime:
    naive = datetime.combine(day, wall)
    aware = naive.replace(tzinfo=tz)
    # A wall time skipped by a DST jump does not exist: round-tripping through UTC moves it forward.
    return aware.astimezone(UTC).astimezone(tz)


def local_moment(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """That wall-clock time on that day in that zone, as a UTC moment (a skipped time moves forward)."""
    return _at(day, wall, tz).astimezone(UTC)
