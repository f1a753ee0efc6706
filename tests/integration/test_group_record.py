"""A group's record — sessions held, and per member the count and last date in each role — adds up in SQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.clock import FakeClock
from bot.domain.steps import Pace
from bot.services.groups import GroupService, GroupSettings
from bot.services.tasks import TaskBook
from bot.storage.db import Database
from bot.storage.models import CodevSession, Consultant

TEAM, CHANNEL = "T0REC", "C0REC"
MEMBERS = ["U0A", "U0B", "U0C", "U0D", "U0E"]


def held(db: Database, when: datetime, client: str, facilitator: str, consultants: list[str], channel: str) -> None:
    with db.session() as session:
        row = CodevSession(
            team_id=TEAM,
            channel_id=channel,
            topic="t",
            facilitator_id=facilitator,
            client_id=client,
            created_by=facilitator,
            pace=Pace.LIVE.value,
            status="ended",
            step=6,
            created_at=when,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        for user_id in consultants:
            session.add(Consultant(session_id=row.id, user_id=user_id, team_id=TEAM))


def test_the_record_counts_each_role_and_keeps_the_latest_date(db: Database) -> None:
    groups = GroupService(db, FakeClock(), TaskBook(db))
    group, _new = groups.save(
        TEAM, CHANNEL, GroupSettings(name="Circle", charter="Be kind."), members=MEMBERS, by="U0A"
    )
    start = datetime(2026, 1, 5, 23, 30, tzinfo=UTC)  # late in the UTC day: dates are UTC dates
    for n in range(12):
        client, facilitator = MEMBERS[n % 5], MEMBERS[(n + 1) % 5]
        others = [m for m in MEMBERS if m not in (client, facilitator)] + ["U0GUEST"]
        held(db, start + timedelta(weeks=n), client, facilitator, others, CHANNEL)
    held(db, start + timedelta(weeks=20), "U0A", "U0B", ["U0C"], "C0ELSEWHERE")  # another channel: not counted

    record = groups.record(group)

    assert record.sessions_held == 12
    by_member = {m.user_id: m for m in record.members}
    assert set(by_member) == set(MEMBERS), "members only (no guest)"
    a = by_member["U0A"]
    assert a.counts == {"client": 3, "facilitator": 2, "consultant": 7}
    assert a.last["client"] == date(2026, 3, 16)  # sessions 0, 5 and 10
    assert a.last["facilitator"] == date(2026, 3, 9)  # sessions 4 and 9
    assert a.last["consultant"] == date(2026, 3, 23)  # session 11
    assert sum(m.counts["client"] for m in record.members) == 12
