"""App Home's read model: everything a Home shows, read in one transaction, as plain data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.domain.session import Status
from bot.domain.steps import Step
from bot.services.home import ActionLine, GroupLine, HomeReadModel
from bot.services.journal import JournalService
from bot.storage.db import Database
from bot.storage.models import (
    ActionItem,
    CodevGroup,
    CodevSession,
    Consultant,
    GroupMember,
    JournalEntry,
    ScheduledTask,
)

TEAM, ME, OTHER = "T1", "UME", "UOTHER"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _session(topic: str, *, facilitator: str, client: str, status: str, minutes_ago: int) -> CodevSession:
    return CodevSession(
        team_id=TEAM,
        channel_id="C1",
        topic=topic,
        facilitator_id=facilitator,
        client_id=client,
        created_by=facilitator,
        pace="live",
        status=status,
        step=int(Step.CONTRACT),
        created_at=NOW - timedelta(minutes=minutes_ago),
    )


@pytest.fixture
def filled(db: Database) -> Database:
    """Someone with sessions in each role, actions, answered follow-ups, two groups and 23 journal entries."""
    with db.session() as session:
        led = _session("I lead", facilitator=ME, client=OTHER, status="running", minutes_ago=30)
        mine = _session("My case", facilitator=OTHER, client=ME, status="ended", minutes_ago=10)
        helped = _session("I helped", facilitator=OTHER, client="U3", status="paused", minutes_ago=20)
        elsewhere = _session("Not mine", facilitator=OTHER, client="U3", status="running", minutes_ago=5)
        session.add_all([led, mine, helped, elsewhere])
        session.flush()
        session.add(Consultant(session_id=helped.id or 0, user_id=ME, team_id=TEAM))
        session.add_all(
            [
                ActionItem(
                    team_id=TEAM,
                    session_id=mine.id or 0,
                    owner_id=ME,
                    text="Later",
                    due_date=date(2026, 4, 1),
                    status="postponed",
                    created_at=NOW,
                ),
                ActionItem(
                    team_id=TEAM,
                    session_id=mine.id or 0,
                    owner_id=ME,
                    text="Soon",
                    due_date=date(2026, 3, 12),
                    created_at=NOW,
                ),
                ActionItem(
                    team_id=TEAM,
                    session_id=mine.id or 0,
                    owner_id=ME,
                    text="Done",
                    status="done",
                    outcome_note="It worked",
                    outcome_at=NOW - timedelta(days=1),
                    created_at=NOW,
                ),
                ActionItem(team_id=TEAM, session_id=mine.id or 0, owner_id=OTHER, text="Theirs", created_at=NOW),
            ]
        )
        for n in range(23):
            session.add(
                JournalEntry(
                    team_id=TEAM,
                    user_id=ME,
                    text=f"note {n}",
                    tags="even" if n % 2 == 0 else "odd",
                    session_id=mine.id if n == 22 else None,
                    created_at=NOW - timedelta(days=30 - n),
                )
            )
        session.add(JournalEntry(team_id=TEAM, user_id=OTHER, text="not mine", created_at=NOW - timedelta(days=40)))
        tuesdays = CodevGroup(
            team_id=TEAM, channel_id="CG1", name="Tuesdays", charter="", created_by=OTHER, created_at=NOW
        )
        adults = CodevGroup(team_id=TEAM, channel_id="CG2", name="Adults", charter="", created_by=OTHER, created_at=NOW)
        session.add_all([tuesdays, adults])
        session.flush()
        session.add_all(
            [
                GroupMember(group_id=tuesdays.id or 0, user_id=ME, team_id=TEAM, away_until=date(2026, 3, 20)),
                GroupMember(group_id=adults.id or 0, user_id=ME, team_id=TEAM, away_until=date(2026, 3, 1)),
            ]
        )
        for days, state in ((14, "pending"), (7, "pending"), (1, "done")):
            session.add(
                ScheduledTask(
                    team_id=TEAM,
                    kind="kickoff",
                    subject_id=tuesdays.id or 0,
                    due_at=NOW + timedelta(days=days),
                    state=state,
                    updated_at=NOW,
                )
            )
    return db


def test_home_gathers_sessions_actions_outcomes_groups_and_the_journal(filled: Database) -> None:
    data = HomeReadModel(filled, FakeClock(NOW)).home(TEAM, ME)

    assert data.user_id == ME and data.now == NOW
    assert [(s.topic, s.role, s.status) for s in data.sessions] == [  # running ones first, newest first
        ("I helped", "consultant", Status.PAUSED),
        ("I lead", "facilitator", Status.RUNNING),
        ("My case", "client", Status.ENDED),
    ]
    assert data.role_counts == {"client": 1, "consultant": 1, "facilitator": 1}
    assert [(a.text, a.status, a.session_topic) for a in data.actions] == [
        ("Soon", "open", "My case"),
        ("Later", "postponed", "My case"),
    ]
    assert data.outcomes == [ActionLine(data.outcomes[0].id, "Done", None, "done", "My case", "It worked")]
    assert data.groups == [
        GroupLine("Adults", "CG2", None, None),  # back already
        GroupLine("Tuesdays", "CG1", NOW + timedelta(days=7), date(2026, 3, 20)),
    ]
    assert (data.query, data.page, data.total_entries) == ("", 0, 23)
    assert [e.text for e in data.entries] == [f"note {n}" for n in range(22, 12, -1)]
    assert data.entries[0].session_topic == "My case"
    assert data.look_back is not None and data.look_back.created_at <= NOW - timedelta(days=7)


def test_home_keeps_the_search_and_shows_the_last_page_once_a_page_empties(filled: Database) -> None:
    home = HomeReadModel(filled, FakeClock(NOW))
    home.set_view(TEAM, ME, query="#even")
    home.set_view(TEAM, ME, page=5)  # beyond the 12 even entries' two pages
    data = home.home(TEAM, ME)
    assert (data.query, data.page, data.total_entries) == ("#even", 1, 12)
    assert [e.text for e in data.entries] == ["note 2", "note 0"]
    home.set_view(TEAM, ME, query="x" * 300)  # a new search starts on its first page
    data = home.home(TEAM, ME)
    assert (data.query, data.page) == ("x" * 200, 0)


def test_home_agrees_with_the_journal(filled: Database) -> None:
    clock = FakeClock(NOW)
    data = HomeReadModel(filled, clock).home(TEAM, ME)
    journal = JournalService(filled, clock)
    assert (data.entries, data.total_entries) == journal.page(TEAM, ME)
    assert data.look_back == journal.look_back(TEAM, ME)


def test_home_reads_in_one_transaction(filled: Database, mocker) -> None:  # type: ignore[no-untyped-def]
    home = HomeReadModel(filled, FakeClock(NOW))
    home.set_view(TEAM, ME, page=9)  # the page emptied: the last page is read again, in the same transaction
    reads, writes = mocker.spy(filled, "read"), mocker.spy(filled, "session")
    home.home(TEAM, ME)
    assert (reads.call_count, writes.call_count) == (1, 0)
