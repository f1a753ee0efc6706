"""Scheduled work outside a session's steps: a group's kick-off, its volunteer deadline, action follow-ups,
the charter for members who were off duty when it was sent.

Each subject has at most one pending task of a kind; scheduling again moves it. Like session timers, the
table is the truth and the scheduler's jobs follow it, so tasks survive restarts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from bot.domain.timers import EventState
from bot.services.due import DueRows
from bot.storage.db import Database
from bot.storage.models import ScheduledTask


class TaskKind(StrEnum):
    KICKOFF = "kickoff"  # subject: a group. "Who brings a challenge this time?"
    VOLUNTEERS = "volunteers"  # subject: a kick-off. Nobody volunteered (or nobody was picked) by now
    FOLLOW_UP = "follow_up"  # subject: an action item. "How did it go?"
    CHARTER = "charter"  # subject: a group. Its charter, to members who were off duty when it was sent


@dataclass(frozen=True)
class TaskInfo:
    id: int
    team_id: str
    kind: TaskKind
    subject_id: int
    due_at: datetime
    state: EventState
    message_ts: str | None = None


class TaskBook(DueRows[ScheduledTask, TaskInfo]):
    model = ScheduledTask

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        # Tells this process's scheduler to look at the table now rather than at its next poll.
        self.on_changed: Callable[[], None] = lambda: None

    def _info(self, row: ScheduledTask) -> TaskInfo:
        assert row.id is not None
        return TaskInfo(
            row.id, row.team_id, TaskKind(row.kind), row.subject_id, row.due_at, EventState(row.state), row.message_ts
        )

    def schedule(
        self, session: Session, team_id: str, kind: TaskKind, subject_id: int, due_at: datetime, now: datetime
    ) -> None:
        """The subject's one pending task of this kind is due at `due_at` (in the caller's transaction)."""
        already = False
        for row in self._pending(session, kind, subject_id):
            if row.due_at == due_at and not already:
                already = True
                continue
            row.state, row.updated_at = EventState.CANCELLED.value, now
            session.add(row)
        if not already:
            session.add(
                ScheduledTask(
                    team_id=team_id,
                    kind=kind.value,
                    subject_id=subject_id,
                    due_at=due_at,
                    state=EventState.PENDING.value,
                    updated_at=now,
                )
            )
        session.flush()

    def cancel(self, session: Session, kind: TaskKind, subject_id: int, now: datetime) -> None:
        for row in self._pending(session, kind, subject_id):
            row.state, row.updated_at = EventState.CANCELLED.value, now
            session.add(row)
        session.flush()

    def tasks_of(self, kind: TaskKind, subject_id: int) -> list[TaskInfo]:
        with self.db.read() as session:
            rows = session.exec(
                select(ScheduledTask)
                .where(ScheduledTask.kind == kind.value, ScheduledTask.subject_id == subject_id)
                .order_by(col(ScheduledTask.id))
            ).all()
            return [self._info(r) for r in rows]

    def pending_due(self, kind: TaskKind, subject_id: int) -> datetime | None:
        """When the subject's pending task of this kind is due (e.g. a group's next kick-off), if any."""
        with self.db.read() as session:
            return session.exec(
                select(ScheduledTask.due_at).where(
                    ScheduledTask.kind == kind.value,
                    ScheduledTask.subject_id == subject_id,
                    ScheduledTask.state == EventState.PENDING.value,
                )
            ).first()

    @staticmethod
    def _pending(session: Session, kind: TaskKind, subject_id: int) -> list[ScheduledTask]:
        return list(
            session.exec(
                select(ScheduledTask).where(
                    ScheduledTask.kind == kind.value,
                    ScheduledTask.subject_id == subject_id,
                    ScheduledTask.state == EventState.PENDING.value,
                )
            ).all()
        )
