"""App Home's read model: everything a person's Home shows, read in one transaction, as plain data.

The pure builder bot/slack/blocks/home.py::home_view turns a HomeData into Block Kit. The person's search and
page (HomeState) belong here too: they are the state of this screen, not of the journal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.domain.session import Status
from bot.domain.steps import Step
from bot.domain.timers import EventState
from bot.services.journal import PAGE_SIZE, EntryView, entries_page, look_back_entry
from bot.services.tasks import TaskKind
from bot.storage.db import Database
from bot.storage.models import (
    ActionItem,
    CodevGroup,
    CodevSession,
    Consultant,
    GroupMember,
    HomeState,
    ProcessedEvent,
    ScheduledTask,
)


@dataclass(frozen=True)
class GroupLine:
    name: str
    channel_id: str
    next_kickoff: datetime | None
    away_until: date | None


@dataclass(frozen=True)
class SessionLine:
    id: int
    topic: str
    role: str
    status: Status
    step: Step
    channel_id: str
    created_at: datetime


@dataclass(frozen=True)
class ActionLine:
    id: int
    text: str
    due_date: date | None
    status: str
    session_topic: str
    note: str | None = None


@dataclass(frozen=True)
class HomeData:
    user_id: str
    sessions: list[SessionLine]
    actions: list[ActionLine]
    entries: list[EntryView]
    total_entries: int
    query: str
    page: int
    role_counts: dict[str, int]
    look_back: EntryView | None
    now: datetime
    outcomes: list[ActionLine] = field(default_factory=list)  # the latest answered follow-ups
    groups: list[GroupLine] = field(default_factory=list)  # the groups they are in, and their next kick-off


class HomeReadModel:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def home(self, team_id: str, user_id: str) -> HomeData:
        """What the person's Home shows: one transaction, so every part agrees with the others."""
        now = self.clock.now()
        with self.db.read() as session:
            state = _state(session, team_id, user_id)
            query, page = state.query, state.page
            entries, total = entries_page(session, team_id, user_id, query=query, page=page)
            if not entries and page > 0:  # the page emptied (deletions): show the last one left
                page = max((total - 1) // PAGE_SIZE, 0)
                entries, total = entries_page(session, team_id, user_id, query=query, page=page)
            sessions = _sessions_of(session, team_id, user_id)
            actions = _open_actions(session, team_id, user_id)
            outcomes = _latest_outcomes(session, team_id, user_id)
            look_back = look_back_entry(session, team_id, user_id, now, entries=None if query.strip() else total)
            groups = _groups_of(session, team_id, user_id, now.date())
        counts = {"client": 0, "consultant": 0, "facilitator": 0}
        for line in sessions:
            counts[line.role] += 1
        return HomeData(
            user_id, sessions[:8], actions, entries, total, query, page, counts, look_back, now, outcomes, groups
        )

    def set_view(self, team_id: str, user_id: str, *, query: str | None = None, page: int | None = None) -> None:
        """Remember the person's search (back to its first page) or page, for the next refreshes of their Home."""
        with self.db.session() as session:
            state = _state(session, team_id, user_id)
            if query is not None:
                state.query, state.page = query[:200], 0
            if page is not None:
                state.page = max(page, 0)
            session.add(state)


def _state(session: Session, team_id: str, user_id: str) -> HomeState:
    return session.get(HomeState, (team_id, user_id)) or HomeState(team_id=team_id, user_id=user_id)


def _sessions_of(session: Session, team_id: str, user_id: str) -> list[SessionLine]:
    """The sessions the person takes part in, running ones first, newest first."""
    consultant_of = select(Consultant.session_id).where(
        col(Consultant.team_id) == team_id, col(Consultant.user_id) == user_id
    )
    rows = session.exec(
        select(CodevSession)
        .where(
            col(CodevSession.team_id) == team_id,
            or_(
                col(CodevSession.facilitator_id) == user_id,
                col(CodevSession.client_id) == user_id,
                col(CodevSession.id).in_(consultant_of),
            ),
        )
        .order_by(col(CodevSession.created_at).desc())
        .limit(200)
    ).all()
    lines = []
    for row in rows:
        role = (
            "facilitator" if row.facilitator_id == user_id else "client" if row.client_id == user_id else "consultant"
        )
        lines.append(
            SessionLine(
                row.id or 0, row.topic, role, Status(row.status), Step(row.step), row.channel_id, row.created_at
            )
        )
    lines.sort(key=lambda line: (line.status is Status.ENDED, -line.created_at.timestamp()))
    return lines


def _open_actions(session: Session, team_id: str, user_id: str) -> list[ActionLine]:
    return [
        ActionLine(a.id or 0, a.text, a.due_date, a.status, topic)
        for a, topic in session.exec(
            select(ActionItem, CodevSession.topic)
            .join(CodevSession, col(CodevSession.id) == col(ActionItem.session_id))
            .where(
                col(ActionItem.team_id) == team_id,
                col(ActionItem.owner_id) == user_id,
                col(ActionItem.status).in_(["open", "postponed"]),
            )
            .order_by(col(ActionItem.due_date), col(ActionItem.id))
            .limit(10)
        ).all()
    ]


def _latest_outcomes(session: Session, team_id: str, user_id: str) -> list[ActionLine]:
    return [
        ActionLine(a.id or 0, a.text, a.due_date, a.status, topic, a.outcome_note)
        for a, topic in session.exec(
            select(ActionItem, CodevSession.topic)
            .join(CodevSession, col(CodevSession.id) == col(ActionItem.session_id))
            .where(
                col(ActionItem.team_id) == team_id,
                col(ActionItem.owner_id) == user_id,
                col(ActionItem.outcome_at).is_not(None),
            )
            .order_by(col(ActionItem.outcome_at).desc())
            .limit(5)
        ).all()
    ]


def _groups_of(session: Session, team_id: str, user_id: str, today: date) -> list[GroupLine]:
    """The person's groups, each with its next pending kick-off and their time away (if not over)."""
    rows = session.exec(
        select(CodevGroup, col(GroupMember.away_until))
        .join(GroupMember, col(GroupMember.group_id) == col(CodevGroup.id))
        .where(col(GroupMember.team_id) == team_id, col(GroupMember.user_id) == user_id)
        .order_by(col(CodevGroup.name))
    ).all()
    kickoffs: dict[int, datetime] = (
        dict(
            session.exec(
                select(ScheduledTask.subject_id, func.min(ScheduledTask.due_at))
                .where(
                    col(ScheduledTask.kind) == TaskKind.KICKOFF.value,
                    col(ScheduledTask.state) == EventState.PENDING.value,
                    col(ScheduledTask.subject_id).in_([g.id for g, _away in rows]),
                )
                .group_by(col(ScheduledTask.subject_id))
            ).all()
        )
        if rows
        else {}
    )
    return [
        GroupLine(
            group.name,
            group.channel_id,
            kickoffs.get(group.id) if group.id is not None else None,
            away if away and away >= today else None,
        )
        for group, away in rows
    ]


# ---- when a Home was opened and last published, for every process ---------------------------------------
# Two small marks per person, kept as rows of the table that records what was done once (ProcessedEvent, as the
# inbox and modal submissions use it): "home-open:<user>" holds when they last opened their Home (or clicked in it),
# "home-shown:<user>" when a process last published it. They only matter for minutes; the inbox's clean-up drops them
# after a day, and a missing mark means "not open" and "free to publish". HomeState would be their natural place
# (two columns) once a migration adds them.
OPENED, SHOWN = "home-open:", "home-shown:"


class HomeMarks:
    def __init__(self, db: Database) -> None:
        self.db = db

    def opened(self, team_id: str, user_id: str, at: datetime) -> None:
        """The person has their Home in front of them (they opened it, or clicked in it)."""
        with self.db.session() as session:
            _touch(session, team_id, OPENED + user_id, at)

    def open_since(self, team_id: str, user_ids: list[str], since: datetime) -> set[str]:
        """Of these people, those who opened their Home at or after `since`: one query for them all."""
        keys = [OPENED + user for user in user_ids]
        with self.db.read() as session:
            rows = session.exec(
                select(ProcessedEvent.event_id).where(
                    col(ProcessedEvent.team_id) == team_id,
                    col(ProcessedEvent.event_id).in_(keys),
                    col(ProcessedEvent.received_at) >= since,
                )
            ).all()
        return {key.removeprefix(OPENED) for key in rows}

    def claim_publish(self, team_id: str, user_id: str, at: datetime, interval: timedelta) -> float:
        """Take the right to publish this person's Home now, for every process: 0.0 when taken (the mark moves to
        `at`), otherwise how many seconds remain until it may be published again."""
        key = SHOWN + user_id
        with self.db.session() as session:
            taken = session.exec(
                update(ProcessedEvent)
                .where(
                    col(ProcessedEvent.team_id) == team_id,
                    col(ProcessedEvent.event_id) == key,
                    col(ProcessedEvent.received_at) <= at - interval,
                )
                .values(received_at=at)
            )
            if taken.rowcount == 1:
                return 0.0
            row = session.get(ProcessedEvent, (team_id, key))
            if row is None:
                try:
                    with session.begin_nested():
                        session.add(ProcessedEvent(team_id=team_id, event_id=key, received_at=at, state="done"))
                    return 0.0
                except IntegrityError:  # another process published it at this very moment
                    return interval.total_seconds()
            last = row.received_at if row.received_at.tzinfo else row.received_at.replace(tzinfo=at.tzinfo)
            return max((last + interval - at).total_seconds(), 0.001)


def _touch(session: Session, team_id: str, key: str, at: datetime) -> None:
    moved = session.exec(
        update(ProcessedEvent)
        .where(col(ProcessedEvent.team_id) == team_id, col(ProcessedEvent.event_id) == key)
        .values(received_at=at)
    )
    if moved.rowcount == 0:
        try:
            with session.begin_nested():
                session.add(ProcessedEvent(team_id=team_id, event_id=key, received_at=at, state="done"))
        except IntegrityError:  # another process wrote it meanwhile: its moment is as good as ours
            pass


def forget_home_marks(session: Session, team_id: str, user_id: str) -> int:
    """Forget-me: drop the person's Home marks (they name them)."""
    result = session.exec(
        delete(ProcessedEvent).where(
            col(ProcessedEvent.team_id) == team_id,
            col(ProcessedEvent.event_id).in_([OPENED + user_id, SHOWN + user_id]),
        )
    )
    return result.rowcount
