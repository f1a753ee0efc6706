"""The outbox: what a session's state change owes Slack, written in the change's own transaction.

A relay (bot/slack/relay.py) delivers a session's rows in order, one process at a time (a lease on the
session row), right after the change commits; the timer leader retries what is left with backoff. A row
that may have been delivered already (its process died mid-way, or Slack failed after receiving it) is
delivered "recovering": the relay looks for the message it would post before posting it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, or_, select

from bot.domain.timers import EventState
from bot.services.due import DueRows
from bot.services.processes import PRESUMED_DEAD_AFTER
from bot.storage.models import CodevProcess, CodevSession, OutboxMessage

# The process that made the change delivers at once; the leader steps in only if it has not by then.
LEADER_GRACE = timedelta(seconds=10)
# One process delivers a session at a time, for as long as it is alive (bot/services/processes.py). The
# lease also ends after this long without renewal (renewed before each row): a live process stuck that long.
LEASE = timedelta(minutes=10)
BACKOFF_FIRST = timedelta(seconds=5)
BACKOFF_MAX = timedelta(minutes=10)
HELD = "held"  # a payload key: see OutboxItem.held
ASIDE = "aside"  # a payload key: see OutboxItem.aside


class OutboxKind(StrEnum):
    SYNC = "sync"  # post the session's missing messages (root, opened steps) and refresh the ones that changed
    NOTE = "note"  # one message in a step's thread
    SUMMARY = "summary"  # propose the summary to the client (the session ended)
    CLIENT_TEXT = "client_text"  # the client's contract or synthesis, posted in its step's thread, then kept current
    AFTER = "after"  # a DM to one person after the summary is posted: its link, the debrief, the evaluation
    EVALUATION = "evaluation"  # the group's evaluation, as an aggregate in the channel: posted, then kept current


@dataclass(frozen=True)
class OutboxItem:
    id: int
    team_id: str
    session_id: int
    kind: OutboxKind
    payload: dict[str, Any]
    attempts: int
    recovering: bool  # it may have reached Slack already: look before posting
    due_at: datetime
    interrupted: bool  # a delivery of it began and never ended (its process died): due at once

    @property
    def held(self) -> bool:
        """Not to be delivered before its due_at by anyone (a DM kept for its person's working hours); the
        session's later rows wait behind it."""
        return bool(self.payload.get(HELD))

    @property
    def aside(self) -> bool:
        """A DM to one person that needs no order with the session's other rows: held for its person's working
        hours or waiting out its backoff after Slack refused it, it holds no other row back."""
        return bool(self.payload.get(ASIDE))

    def waiting_aside(self, now: datetime) -> bool:
        """Aside and not due yet (held for its person's hours, or tried and refused): the session's other rows go
        on without it. Never tried and not held, it is delivered at once like any row."""
        return self.aside and not self.interrupted and self.due_at > now and (self.held or self.attempts > 0)


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … up to 10 minutes between tries."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def add(session: Session, team_id: str, session_id: int, kind: OutboxKind, now: datetime, **payload: Any) -> None:
    """Record an obligation inside the caller's transaction: it exists if and only if the change does."""
    _add(session, team_id, session_id, kind, now, now + LEADER_GRACE, payload)


def add_held(
    session: Session, team_id: str, session_id: int, kind: OutboxKind, now: datetime, until: datetime, **payload: Any
) -> None:
    """`add`, but not delivered before `until` (its person is off duty now): the leader delivers it then, and the
    session's later rows wait behind it. `until` not later than now: plain `add`."""
    if until <= now:
        add(session, team_id, session_id, kind, now, **payload)
        return
    _add(session, team_id, session_id, kind, now, max(until, now + LEADER_GRACE), {**payload, HELD: True})


def _add(
    session: Session,
    team_id: str,
    session_id: int,
    kind: OutboxKind,
    now: datetime,
    due_at: datetime,
    payload: dict[str, Any],
) -> None:
    session.add(
        OutboxMessage(
            team_id=team_id,
            session_id=session_id,
            kind=kind.value,
            payload=json.dumps(payload),
            due_at=due_at,
            created_at=now,
            updated_at=now,
        )
    )


def _item(row: OutboxMessage) -> OutboxItem:
    assert row.id is not None
    return OutboxItem(
        row.id,
        row.team_id,
        row.session_id,
        OutboxKind(row.kind),
        json.loads(row.payload),
        row.attempts,
        recovering=row.state == EventState.FIRING.value or row.attempts > 0,
        due_at=row.due_at,
        interrupted=row.state == EventState.FIRING.value,
    )


class Outbox(DueRows[OutboxMessage, OutboxItem]):
    model = OutboxMessage

    def _info(self, row: OutboxMessage) -> OutboxItem:
        return _item(row)

    # ---- one delivery per session at a time -------------------------------------------------------------
    def take_lease(self, team_id: str, session_id: int, me: str, now: datetime) -> bool:
        """Take the session's delivery for process `me`; False while another live process has it."""
        holder, until = col(CodevSession.delivering_by), col(CodevSession.delivering_until)
        alive = select(CodevProcess.id).where(col(CodevProcess.seen_at) >= now - PRESUMED_DEAD_AFTER)
        free = or_(holder.is_(None), holder == me, holder.not_in(alive), until < now)
        return self._lease(team_id, session_id, free, delivering_by=me, delivering_until=now + LEASE)

    def keep_lease(self, team_id: str, session_id: int, me: str, now: datetime) -> bool:
        """Renew it before each row; False when it was taken over (this process was taken for dead)."""
        return self._lease(team_id, session_id, col(CodevSession.delivering_by) == me, delivering_until=now + LEASE)

    def release_lease(self, team_id: str, session_id: int, me: str) -> None:
        self._lease(
            team_id, session_id, col(CodevSession.delivering_by) == me, delivering_by=None, delivering_until=None
        )

    def _lease(self, team_id: str, session_id: int, condition: ColumnElement[bool], **values: object) -> bool:
        with self.db.session() as session:
            result = session.exec(
                update(CodevSession)
                .where(col(CodevSession.id) == session_id, col(CodevSession.team_id) == team_id, condition)
                .values(**values)
            )
            return result.rowcount == 1

    # ---- the rows ---------------------------------------------------------------------------------------
    def owed(self, team_id: str, session_id: int) -> list[OutboxItem]:
        """The session's undelivered rows, oldest first (a firing one was interrupted: it is retried)."""
        with self.db.read() as session:
            rows = session.exec(
                select(OutboxMessage)
                .where(
                    col(OutboxMessage.team_id) == team_id,
                    col(OutboxMessage.session_id) == session_id,
                    col(OutboxMessage.state).in_([EventState.PENDING.value, EventState.FIRING.value]),
                )
                .order_by(col(OutboxMessage.id))
            ).all()
            return [_item(r) for r in rows]

    def last_id(self, team_id: str, session_id: int) -> int:
        """The newest row of the session (0 when none): what a change just committed ends here."""
        with self.db.read() as session:
            newest = session.exec(
                select(func.max(OutboxMessage.id)).where(
                    col(OutboxMessage.team_id) == team_id, col(OutboxMessage.session_id) == session_id
                )
            ).one()
            return newest or 0

    def refused_up_to(self, team_id: str, session_id: int, last_id: int) -> bool:
        """Whether Slack refused (or never answered) one of the session's rows up to `last_id`, still owed.

        A row not tried yet (another process is on it) is not counted: nothing says Slack is failing; nor is a
        DM aside (one person's DM refused says nothing of what the change showed in the channel)."""
        return any(
            item.id <= last_id and item.attempts > 0 and not item.aside for item in self.owed(team_id, session_id)
        )

    def session_of(self, row_id: int) -> tuple[str, int] | None:
        """(team, session) of a row still to deliver; None once delivered."""
        with self.db.read() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None or row.state not in (EventState.PENDING.value, EventState.FIRING.value):
                return None
            return row.team_id, row.session_id

    def mark_firing(self, row_id: int, now: datetime) -> None:
        """Record the intent before talking to Slack: a crash from here on means 'maybe posted'."""
        with self.db.session() as session:
            session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row_id)
                .values(state=EventState.FIRING.value, fired_at=now, updated_at=now)
            )

    def delivered(self, row_id: int, now: datetime, message_ts: str | None = None) -> None:
        self.finish(row_id, EventState.DONE, now, message_ts)

    def dropped(self, row_id: int, now: datetime) -> None:
        self.finish(row_id, EventState.DROPPED, now)

    def failed(self, row_id: int, attempts: int, error: str, now: datetime) -> datetime:
        """Slack did not take it: try again later. Returns when."""
        due = now + backoff(attempts + 1)
        with self.db.session() as session:
            session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row_id)
                .values(
                    state=EventState.PENDING.value,
                    due_at=due,
                    attempts=attempts + 1,
                    last_error=error[:64],
                    updated_at=now,
                )
            )
            row = session.get(OutboxMessage, row_id)
            aside = row is not None and bool(json.loads(row.payload).get(ASIDE))
            if row is not None and not aside:  # the session's later rows wait behind it: order is kept
                session.exec(
                    update(OutboxMessage)
                    .where(
                        col(OutboxMessage.session_id) == row.session_id,
                        col(OutboxMessage.state) == EventState.PENDING.value,
                        col(OutboxMessage.id) > row_id,
                        col(OutboxMessage.due_at) < due,
                    )
                    .values(due_at=due)
                )
        return due

    def wait_until(self, team_id: str, session_id: int, until: datetime, now: datetime) -> None:
        """Another process is delivering the session: its pending rows are looked at again then, not before."""
        with self.db.session() as session:
            session.exec(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.team_id) == team_id,
                    col(OutboxMessage.session_id) == session_id,
                    col(OutboxMessage.state) == EventState.PENDING.value,
                    col(OutboxMessage.due_at) < until,
                )
                .values(due_at=until, updated_at=now)
            )

    def stuck_sessions(self, claimed_before: datetime | None, alive: set[str]) -> list[tuple[str, int]]:
        """Sessions with a delivery left half-way (a firing row) by a process now dead, or claimed before then."""
        with self.db.read() as session:
            query = (
                select(OutboxMessage.team_id, OutboxMessage.session_id)
                .join(CodevSession, col(CodevSession.id) == OutboxMessage.session_id)
                .where(col(OutboxMessage.state) == EventState.FIRING.value)
            )
            dead_holder = or_(
                col(CodevSession.delivering_by).is_(None), col(CodevSession.delivering_by).not_in(alive or {""})
            )
            if claimed_before is not None:
                query = query.where(or_(dead_holder, col(OutboxMessage.updated_at) < claimed_before))
            else:
                query = query.where(dead_holder)
            return list(dict.fromkeys((team, sid) for team, sid in session.exec(query).all()))
