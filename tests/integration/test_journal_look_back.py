"""The Home's "look back": one of the person's own entries from at least a week ago, the next one each day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.services.home import HomeReadModel
from bot.services.journal import JournalService
from bot.storage.db import Database
from bot.storage.models import JournalEntry

TEAM, ME, OTHER = "T1", "UME", "UOTHER"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def journal(db: Database) -> Database:
    """Seven old entries saved out of the order they were written (an import, say), and two from today."""
    with db.session() as session:
        for days_ago in (20, 8, 30, 12, 40, 9, 15, 0.5, 0):
            session.add(
                JournalEntry(
                    team_id=TEAM, user_id=ME, text=f"{days_ago} days ago", created_at=NOW - timedelta(days=days_ago)
                )
            )
        session.add(JournalEntry(team_id=TEAM, user_id=OTHER, text="not mine", created_at=NOW - timedelta(days=50)))
    return db


def _looked_back(db: Database, now: datetime, *, search: str = "") -> tuple[str | None, str | None]:
    """What the Home shows (with this search) and what the journal says, on the day of `now`."""
    clock = FakeClock(now)
    home = HomeReadModel(db, clock)
    home.set_view(TEAM, ME, query=search)
    shown, said = home.home(TEAM, ME).look_back, JournalService(db, clock).look_back(TEAM, ME)
    return (shown.text if shown else None), (said.text if said else None)


def test_each_day_shows_the_next_old_entry_in_the_order_they_were_written(journal: Database) -> None:
    days = [NOW + timedelta(days=n) for n in range(7)]  # today's two entries stay less than a week old
    seen = [_looked_back(journal, day) for day in days]
    assert all(shown == said for shown, said in seen)  # Home and journal agree
    # Oldest first, starting where the day's number falls, wrapping round: all seven old ones, one a day.
    in_order = [f"{n} days ago" for n in (40, 30, 20, 15, 12, 9, 8)]
    first = in_order.index(seen[0][0] or "")
    assert [shown for shown, _ in seen] == [in_order[(first + n) % 7] for n in range(7)]


def test_a_search_on_the_home_does_not_change_the_look_back(journal: Database) -> None:
    for n in range(7):
        day = NOW + timedelta(days=n)
        assert _looked_back(journal, day, search="#nothing") == _looked_back(journal, day)


def test_nothing_to_look_back_on_in_a_journal_younger_than_a_week(db: Database) -> None:
    assert _looked_back(db, NOW) == (None, None)
    with db.session() as session:
        session.add(JournalEntry(team_id=TEAM, user_id=ME, text="fresh", created_at=NOW - timedelta(days=6)))
    assert _looked_back(db, NOW) == (None, None)
    assert _looked_back(db, NOW + timedelta(days=1, hours=1)) == ("fresh", "fresh")  # a week old now
