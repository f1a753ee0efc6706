"""A group's cadence: every N weeks on a weekday, at a wall-clock time in a zone. Pure; zoneinfo for DST.

Dates are counted from the first session, one at a time: a cron `week='*/2'` breaks at the turn of the
year (ISO week 53 → 1) and a fixed interval drifts by an hour across a DST change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.domain.calendar import local_moment, zone

MAX_EVERY_WEEKS = 4


@dataclass(frozen=True)
class Cadence:
    first: date  # the first session's date: it fixes the weekday and which weeks count
    at: time  # local wall-clock time in `tz`
    every_weeks: int
    tz: str

    def __post_init__(self) -> None:
        if not 1 <= self.every_weeks <= MAX_EVERY_WEEKS:
            raise ValueError(f"every_weeks must be 1 to {MAX_EVERY_WEEKS}")

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after `moment` (an aware datetime), in UTC."""
        if moment.tzinfo is None:
            raise ValueError("aware datetimes only")
        tz = zone(self.tz)
        period = 7 * self.every_weeks
        days_since_first = (moment.astimezone(tz).date() - self.first).days
        index = max(0, -(-days_since_first // period))  # the first occurrence on or after that local day
        while True:
            occurrence = local_moment(self.first + timedelta(days=period * index), self.at, tz)
            if occurrence > moment:
                return occurrence
            index += 1

    def occurrences_after(self, moment: datetime, count: int) -> list[datetime]:
        found: list[datetime] = []
        for _ in range(count):
            moment = self.next_after(moment)
            found.append(moment)
        return found
