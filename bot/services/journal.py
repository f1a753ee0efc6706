"""The private learning journal and what a person's App Home shows. Every query is scoped to its author."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, update
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.domain.session import Status
from bot.domain.steps import Step
from bot.domain.text import hashtags
from bot.domain.timers import EventState
from bot.services.tasks import TaskKind
from bot.storage.db import Database
from bot.storage.models import (
    ActionItem,
    CodevGroup,
    CodevSession,
    Consultant,
    Contribution,
    GroupMember,
    HomeState,
    JournalEntry,
    ScheduledTask,
)

PAGE_SIZE = 10
DELETED_TEXT = "[deleted]"


@dataclass(frozen=True)
class EntryView:
    id: int
    text: str
    tags: list[str]
    created_at: datetime
    session_id: int | None
    session_topic: str | None
    step: Step | None
    origin: str
    quote_author_id: str | None
    permalink: str | None
    confirmation_ts: str | None = None


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


class JournalService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # ---- writing ----------------------------------------------------------------------------------------
    def add(
        self,
        team_id: str,
        user_id: str,
        text: str,
        *,
        origin: str,
        source_channel_id: str | None = None,
        source_ts: str | None = None,
        quote_author_id: str | None = None,
        permalink: str | None = None,
    ) -> EntryView:
        with self.db.session() as session:
            if source_ts is not None:  # a retried event, or the same message saved twice
                existing = session.exec(
                    select(JournalEntry).where(
                        col(JournalEntry.team_id) == team_id,
                        col(JournalEntry.source_channel_id) == source_channel_id,
                        col(JournalEntry.source_ts) == source_ts,
                        col(JournalEntry.user_id) == user_id,
                    )
                ).first()
                if existing is not None:
                    return self._view(session, existing)
            entry = JournalEntry(
                team_id=team_id,
                user_id=user_id,
                text=text,
                tags=" ".join(hashtags(text)),
                origin=origin,
                source_channel_id=source_channel_id,
                source_ts=source_ts,
                quote_author_id=quote_author_id,
                permalink=permalink,
                created_at=self.clock.now(),
            )
            session.add(entry)
            session.flush()
            return self._view(session, entry)

    def set_confirmation(self, team_id: str, user_id: str, entry_id: int, ts: str) -> None:
        with self.db.session() as session:
            session.exec(
                update(JournalEntry)
                .where(
                    col(JournalEntry.id) == entry_id,
                    col(JournalEntry.team_id) == team_id,
                    col(JournalEntry.user_id) == user_id,
                )
                .values(confirmation_ts=ts)
            )

    def edit_from_source(self, team_id: str, user_id: str, channel_id: str, ts: str, text: str) -> EntryView | None:
        with self.db.session() as session:
            entry = self._by_source(session, team_id, user_id, channel_id, ts)
            if entry is None:
                return None
            entry.text, entry.tags = text, " ".join(hashtags(text))
            session.add(entry)
            session.flush()
            return self._view(session, entry)

    def delete_from_source(self, team_id: str, user_id: str | None, channel_id: str, ts: str) -> EntryView | None:
        with self.db.session() as session:
            entry = self._by_source(session, team_id, user_id, channel_id, ts)
            if entry is None:
                return None
            view = self._view(session, entry)
            session.delete(entry)
            return view

    def delete(self, team_id: str, user_id: str, entry_id: int) -> EntryView | None:
        """Delete one entry; only its author can, whatever id a request carries."""
        with self.db.session() as session:
            entry = session.exec(
                select(JournalEntry).where(
                    col(JournalEntry.id) == entry_id,
                    col(JournalEntry.team_id) == team_id,
                    col(JournalEntry.user_id) == user_id,
                )
            ).first()
            if entry is None:
                return None
            view = self._view(session, entry)
            session.delete(entry)
            return view

    def forget(self, team_id: str, user_id: str) -> tuple[int, int]:
        """Delete the person's journal (quotes included), blank their contributions' texts and their follow-up
        notes (unshared), and stop asking them about their actions."""
        with self.db.session() as session:
            entries = session.exec(
                select(JournalEntry).where(col(JournalEntry.team_id) == team_id, col(JournalEntry.user_id) == user_id)
            ).all()
            for entry in entries:
                session.delete(entry)
            result = session.exec(
                update(Contribution)
                .where(col(Contribution.team_id) == team_id, col(Contribution.user_id) == user_id)
                .values(text=DELETED_TEXT)
            )
            session.exec(
                update(HomeState)
                .where(col(HomeState.team_id) == team_id, col(HomeState.user_id) == user_id)
                .values(query="", page=0)
            )
            theirs = select(ActionItem.id).where(
                col(ActionItem.team_id) == team_id, col(ActionItem.owner_id) == user_id
            )
            session.exec(
                update(ActionItem)
                .where(
                    col(ActionItem.team_id) == team_id,
                    col(ActionItem.owner_id) == user_id,
                )
                .values(outcome_note=None, outcome_shared=False)
            )
            session.exec(
                update(ScheduledTask)
                .where(
                    col(ScheduledTask.kind) == TaskKind.FOLLOW_UP.value,
                    col(ScheduledTask.state) == EventState.PENDING.value,
                    col(ScheduledTask.subject_id).in_(theirs),
                )
                .values(state=EventState.CANCELLED.value, updated_at=self.clock.now())
            )
            return len(entries), result.rowcount

    # ---- reading ----------------------------------------------------------------------------------------
    def page(
        self, team_id: str, user_id: str, *, query: str = "", page: int = 0, size: int = PAGE_SIZE
    ) -> tuple[list[EntryView], int]:
        """The author's entries, newest first, filtered by text or #tag, one page at a time."""
        with self.db.read() as session:
            conditions: list[ColumnElement[bool]] = [
                col(JournalEntry.team_id) == team_id,
                col(JournalEntry.user_id) == user_id,
            ]
            words = query.strip()
            if words.startswith("#"):
                tag = words[1:].lower()
                conditions.append(
                    or_(
                        col(JournalEntry.tags) == tag,
                        col(JournalEntry.tags).startswith(tag + " "),
                        col(JournalEntry.tags).endswith(" " + tag),
                        col(JournalEntry.tags).contains(" " + tag + " "),
                    )
                )
            elif words:
                conditions.append(col(JournalEntry.text).ilike(f"%{_escape_like(words)}%", escape="\\"))
            total = session.exec(select(func.count()).select_from(JournalEntry).where(*conditions)).one()
            rows = session.exec(
                select(JournalEntry)
                .where(*conditions)
                .order_by(col(JournalEntry.created_at).desc(), col(JournalEntry.id).desc())
                .offset(max(page, 0) * size)
                .limit(size)
            ).all()
            return self._views(session, list(rows)), int(total)

    def all_entries(self, team_id: str, user_id: str) -> list[EntryView]:
        with self.db.read() as session:
            rows = session.exec(
                select(JournalEntry)
                .where(col(JournalEntry.team_id) == team_id, col(JournalEntry.user_id) == user_id)
                .order_by(col(JournalEntry.created_at).desc(), col(JournalEntry.id).desc())
            ).all()
            return self._views(session, list(rows))

    def look_back(self, team_id: str, user_id: str) -> EntryView | None:
        """One of the person's own entries from at least a week ago, a different one each day."""
        now = self.clock.now()
        with self.db.read() as session:
            conditions = [
                col(JournalEntry.team_id) == team_id,
                col(JournalEntry.user_id) == user_id,
                col(JournalEntry.created_at) <= now - timedelta(days=7),
            ]
            count = session.exec(select(func.count()).select_from(JournalEntry).where(*conditions)).one()
            if not count:
                return None
            offset = now.toordinal() % int(count)
            row = session.exec(
                select(JournalEntry).where(*conditions).order_by(col(JournalEntry.id)).offset(offset).limit(1)
            ).first()
            return self._view(session, row) if row else None

    def home(self, team_id: str, user_id: str) -> HomeData:
        state = self.home_state(team_id, user_id)
        entries, total = self.page(team_id, user_id, query=state.query, page=state.page)
        if not entries and state.page > 0:  # the page emptied (deletions): show the last one left
            last = max((total - 1) // PAGE_SIZE, 0)
            entries, total = self.page(team_id, user_id, query=state.query, page=last)
            state = HomeState(team_id=team_id, user_id=user_id, query=state.query, page=last)
        with self.db.read() as session:
            sessions = self._sessions_of(session, team_id, user_id)
            actions = [
                ActionLine(a.id or 0, a.text, a.due_date, a.status, topic)
                for a, topic in session.exec(
                    select(ActionItem, CodevSession.topic)
                    .join(CodevSession, col(CodevSession.id) == ActionItem.session_id)
                    .where(
                        col(ActionItem.team_id) == team_id,
                        col(ActionItem.owner_id) == user_id,
                        col(ActionItem.status).in_(["open", "postponed"]),
                    )
                    .order_by(col(ActionItem.due_date), col(ActionItem.id))
                    .limit(10)
                ).all()
            ]
            outcomes = [
                ActionLine(a.id or 0, a.text, a.due_date, a.status, topic, a.outcome_note)
                for a, topic in session.exec(
                    select(ActionItem, CodevSession.topic)
                    .join(CodevSession, col(CodevSession.id) == ActionItem.session_id)
                    .where(
                        col(ActionItem.team_id) == team_id,
                        col(ActionItem.owner_id) == user_id,
                        col(ActionItem.outcome_at).is_not(None),
                    )
                    .order_by(col(ActionItem.outcome_at).desc())
                    .limit(5)
                ).all()
            ]
        counts = {"client": 0, "consultant": 0, "facilitator": 0}
        for line in sessions:
            counts[line.role] += 1
        return HomeData(
            user_id,
            sessions[:8],
            actions,
            entries,
            total,
            state.query,
            state.page,
            counts,
            self.look_back(team_id, user_id),
            self.clock.now(),
            outcomes,
            self._groups_of(team_id, user_id),
        )

    def _groups_of(self, team_id: str, user_id: str) -> list[GroupLine]:
        with self.db.read() as session:
            rows = session.exec(
                select(CodevGroup, col(GroupMember.away_until))
                .join(GroupMember, col(GroupMember.group_id) == CodevGroup.id)
                .where(col(GroupMember.team_id) == team_id, col(GroupMember.user_id) == user_id)
                .order_by(col(CodevGroup.name))
            ).all()
            kickoffs = (
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
        today = self.clock.now().date()
        return [
            GroupLine(
                group.name,
                group.channel_id,
                kickoffs.get(group.id) if group.id is not None else None,
                away if away and away >= today else None,
            )
            for group, away in rows
        ]

    def _sessions_of(self, session: Session, team_id: str, user_id: str) -> list[SessionLine]:
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
                "facilitator"
                if row.facilitator_id == user_id
                else "client"
                if row.client_id == user_id
                else "consultant"
            )
            lines.append(
                SessionLine(
                    row.id or 0, row.topic, role, Status(row.status), Step(row.step), row.channel_id, row.created_at
                )
            )
        lines.sort(key=lambda line: (line.status is Status.ENDED, -line.created_at.timestamp()))
        return lines

    # ---- Home state -------------------------------------------------------------------------------------
    def home_state(self, team_id: str, user_id: str) -> HomeState:
        with self.db.read() as session:
            return session.get(HomeState, (team_id, user_id)) or HomeState(team_id=team_id, user_id=user_id)

    def set_home_view(self, team_id: str, user_id: str, *, query: str | None = None, page: int | None = None) -> None:
        with self.db.session() as session:
            state = session.get(HomeState, (team_id, user_id)) or HomeState(team_id=team_id, user_id=user_id)
            if query is not None:
                state.query, state.page = query[:200], 0
            if page is not None:
                state.page = max(page, 0)
            session.add(state)

    # ---- internals --------------------------------------------------------------------------------------
    @staticmethod
    def _by_source(
        session: Session, team_id: str, user_id: str | None, channel_id: str, ts: str
    ) -> JournalEntry | None:
        query = select(JournalEntry).where(
            col(JournalEntry.team_id) == team_id,
            col(JournalEntry.source_channel_id) == channel_id,
            col(JournalEntry.source_ts) == ts,
        )
        if user_id is not None:
            query = query.where(col(JournalEntry.user_id) == user_id)
        return session.exec(query).first()

    def _view(self, session: Session, entry: JournalEntry) -> EntryView:
        return self._views(session, [entry])[0]

    @staticmethod
    def _views(session: Session, entries: list[JournalEntry]) -> list[EntryView]:
        session_ids = {e.session_id for e in entries if e.session_id}
        topics = (
            dict(
                session.exec(
                    select(CodevSession.id, CodevSession.topic).where(col(CodevSession.id).in_(session_ids))
                ).all()
            )
            if session_ids
            else {}
        )
        return [
            EntryView(
                e.id or 0,
                e.text,
                e.tags.split() if e.tags else [],
                e.created_at,
                e.session_id,
                topics.get(e.session_id) if e.session_id else None,
                Step(e.step) if e.step else None,
                e.origin,
                e.quote_author_id,
                e.permalink,
                e.confirmation_ts,
            )
            for e in entries
        ]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
