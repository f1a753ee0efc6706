"""Rows that fall due: the scheduler's jobs are rebuilt from them, and each is claimed once when it fires.

Shared by session timers (timed_event) and other scheduled work (scheduled_task): both tables have
id, state, due_at, fired_at, updated_at and message_ts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import update
from sqlmodel import col, select

from bot.domain.timers import EventState
from bot.storage.db import Database

# A row is "due" when its moment has come; this much early is still on time (scheduler jitter).
EARLY_TOLERANCE = timedelta(milliseconds=50)

Row = TypeVar("Row")
Info = TypeVar("Info")


class DueRows(Generic[Row, Info]):
    model: ClassVar[Any]

    def __init__(self, db: Database) -> None:
        self.db = db

    def _info(self, row: Row) -> Info:
        raise NotImplementedError

    def pending_until(self, horizon: datetime) -> dict[int, datetime]:
        """Pending rows due before `horizon`: the jobs the scheduler should hold now."""
        model = self.model
        with self.db.read() as session:
            rows = session.exec(
                select(model.id, model.due_at).where(model.state == EventState.PENDING.value, model.due_at <= horizon)
            ).all()
            return {row_id: due for row_id, due in rows if row_id is not None}

    def due(self, now: datetime) -> list[int]:
        """Pending rows whose moment has come, oldest first (then in the order they were written)."""
        model = self.model
        with self.db.read() as session:
            return [
                i
                for i in session.exec(
                    select(model.id)
                    .where(model.state == EventState.PENDING.value, model.due_at <= now + EARLY_TOLERANCE)
                    .order_by(col(model.due_at), col(model.id))
                ).all()
                if i is not None
            ]

    def claim(self, row_id: int, now: datetime) -> Info | None:
        """Take a due row for delivery, recording the intent first. None when not due or already taken."""
        model = self.model
        with self.db.session() as session:
            result = session.exec(
                update(model)
                .where(
                    col(model.id) == row_id,
                    col(model.state) == EventState.PENDING.value,
                    col(model.due_at) <= now + EARLY_TOLERANCE,
                )
                .values(state=EventState.FIRING.value, fired_at=now, updated_at=now)
            )
            if result.rowcount != 1:
                return None
            row = session.get(model, row_id)
            assert row is not None
            return self._info(row)

    def finish(self, row_id: int, state: EventState, now: datetime, message_ts: str | None = None) -> None:
        model = self.model
        with self.db.session() as session:
            session.exec(
                update(model)
                .where(
                    col(model.id) == row_id,
                    col(model.state) == EventState.FIRING.value,
                )
                .values(state=state.value, updated_at=now, message_ts=message_ts)
            )

    def put_back(self, row_id: int, due_at: datetime, now: datetime) -> None:
        """A claimed row goes back to waiting, due later (its person is off duty now: see Deliverer)."""
        model = self.model
        with self.db.session() as session:
            session.exec(
                update(model)
                .where(col(model.id) == row_id, col(model.state) == EventState.FIRING.value)
                .values(state=EventState.PENDING.value, due_at=due_at, fired_at=None, updated_at=now)
            )

    def interrupted(self, claimed_before: datetime | None = None) -> list[Info]:
        """Rows claimed but never finished: by a process that died, or whose delivery Slack refused. In due order."""
        model = self.model
        with self.db.read() as session:
            query = select(model).where(model.state == EventState.FIRING.value)
            if claimed_before is not None:
                query = query.where(col(model.updated_at) < claimed_before)
            query = query.order_by(col(model.due_at), col(model.id))
            return [self._info(r) for r in session.exec(query).all()]
