"""Timed events in the database: kept equal to what each session implies, claimed once when they fire."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, col, select

from bot.domain.calendar import QuietHours
from bot.domain.session import SessionState, Status
from bot.domain.steps import Step, expected_speakers
from bot.domain.timers import (
    NUDGED_STEPS,
    EventKind,
    EventState,
    Person,
    Planned,
    Stored,
    TimerSettings,
    plan,
    reconcile,
)
from bot.domain.workcal import from_spec
from bot.services.due import EARLY_TOLERANCE, DueRows
from bot.services.reach import Reach, reach_of
from bot.storage.db import Database
from bot.storage.models import (
    CodevSession,
    Consultant,
    Contribution,
    PersonSettings,
    StepDone,
    TimedEvent,
)

__all__ = ["EARLY_TOLERANCE", "EventInfo", "TimerBook"]


@dataclass(frozen=True)
class EventInfo:
    id: int
    team_id: str
    session_id: int
    step: Step
    kind: EventKind
    user_id: str
    due_at: datetime
    state: EventState
    message_ts: str | None
    fired_at: datetime | None = None


def _info(row: TimedEvent) -> EventInfo:
    assert row.id is not None
    return EventInfo(
        row.id,
        row.team_id,
        row.session_id,
        Step(row.step),
        EventKind(row.kind),
        row.user_id,
        row.due_at,
        EventState(row.state),
        row.message_ts,
        row.fired_at,
    )


class TimerBook(DueRows[TimedEvent, EventInfo]):
    """Reads and writes timed_event rows; the scheduler's jobs are rebuilt from them at any time."""

    model = TimedEvent

    def __init__(self, db: Database, clock_speed: float) -> None:
        super().__init__(db)
        self.clock_speed = clock_speed

    def _info(self, row: TimedEvent) -> EventInfo:
        return _info(row)

    # ---- keeping events equal to the plan ---------------------------------------------------------------
    def sync(
        self,
        session: Session,
        row: CodevSession,
        state: SessionState,
        now: datetime,
        known: Mapping[str, Reach] | None = None,
    ) -> bool:
        """Make the stored events of one session match its state; True when anything changed."""
        assert row.id is not None
        planned = self.plan_for(session, row, state, known)
        stored_rows = list(session.exec(select(TimedEvent).where(TimedEvent.session_id == row.id)).all())
        stored = [
            Stored(r.id or 0, EventKind(r.kind), Step(r.step), r.user_id, r.due_at, EventState(r.state), r.fired_at)
            for r in stored_rows
        ]
        changes = reconcile(stored, planned)
        if changes.empty:
            return False
        by_id = {r.id: r for r in stored_rows}
        for event in changes.insert:
            session.add(
                TimedEvent(
                    team_id=row.team_id,
                    session_id=row.id,
                    step=int(event.step),
                    kind=event.kind.value,
                    user_id=event.user_id,
                    due_at=event.due_at,
                    state=EventState.PENDING.value,
                    updated_at=now,
                )
            )
        for event_id, due_at in changes.reschedule:
            stored_row = by_id[event_id]
            stored_row.due_at, stored_row.state, stored_row.updated_at = due_at, EventState.PENDING.value, now
            session.add(stored_row)
        for event_id in changes.cancel:
            stored_row = by_id[event_id]
            stored_row.state, stored_row.updated_at = EventState.CANCELLED.value, now
            session.add(stored_row)
        session.flush()
        return True

    def plan_for(
        self, session: Session, row: CodevSession, state: SessionState, known: Mapping[str, Reach] | None = None
    ) -> list[Planned]:
        """The events the session implies; `known`: its participants' reach when the caller has read it already."""
        settings = TimerSettings(reminder_share=row.reminder_share, auto_advance=row.auto_advance, nudges=row.nudges)
        calendar = from_spec(row.calendar)
        if calendar is not None:  # the automatic move-on waits half of the calendar's working day
            settings = replace(settings, grace=calendar.working_day / 2)
        if state.status is not Status.RUNNING:
            return []
        speakers, facilitator = self._people(session, row, state.step, known or {})
        return plan(state, settings, self.clock_speed, speakers, facilitator)

    def _people(
        self, session: Session, row: CodevSession, step: Step, known: Mapping[str, Reach]
    ) -> tuple[list[Person], Person]:
        """Those the step expects (who replied or is done has acted; consultants still silent may be nudged),
        and the facilitator, each with the hours they may be notified in."""
        consultants = list(
            session.exec(
                select(Consultant.user_id).where(Consultant.session_id == row.id).order_by(col(Consultant.position))
            ).all()
        )
        replied = set(
            session.exec(
                select(Contribution.user_id).where(
                    Contribution.session_id == row.id,
                    Contribution.step == int(step),
                    col(Contribution.deleted).is_(False),
                )
            ).all()
        )
        done = set(
            session.exec(
                select(StepDone.user_id).where(StepDone.session_id == row.id, StepDone.step == int(step))
            ).all()
        )
        expected = expected_speakers(step, row.client_id, consultants, row.facilitator_id)
        everyone = list(dict.fromkeys([*expected, row.facilitator_id]))
        if all(user_id in known for user_id in everyone):
            reach = known
        else:
            reach = reach_of(session, row.team_id, row.channel_id, everyone, from_spec(row.calendar))
        nudged = set(consultants) if row.nudges and step in NUDGED_STEPS else set()

        def person(user_id: str) -> Person:
            here = reach[user_id]
            silent = user_id not in replied
            return Person(
                user_id,
                here.hours,
                acted=not silent or user_id in done,
                nudge=user_id in nudged and silent and user_id not in done and not (here.nudges_off or here.gone),
                gone=here.gone,
            )

        return [person(u) for u in expected], person(row.facilitator_id)

    def session_of(self, event_id: int) -> int | None:
        with self.db.read() as session:
            row = session.get(TimedEvent, event_id)
            return row.session_id if row is not None else None

    def due_in_session(self, session_id: int, now: datetime) -> list[int]:
        """A session's pending events whose moment has come, in the order they fell due (then were written):
        after a downtime they all fire at once, and its thread must read them in that order."""
        with self.db.read() as session:
            return [
                i
                for i in session.exec(
                    select(TimedEvent.id)
                    .where(
                        TimedEvent.session_id == session_id,
                        TimedEvent.state == EventState.PENDING.value,
                        col(TimedEvent.due_at) <= now + EARLY_TOLERANCE,
                    )
                    .order_by(col(TimedEvent.due_at), col(TimedEvent.id))
                ).all()
                if i is not None
            ]

    def events_of(self, team_id: str, session_id: int) -> list[EventInfo]:
        with self.db.read() as session:
            rows = session.exec(
                select(TimedEvent)
                .where(TimedEvent.team_id == team_id, TimedEvent.session_id == session_id)
                .order_by(col(TimedEvent.id))
            ).all()
            return [_info(r) for r in rows]

    # ---- personal settings ------------------------------------------------------------------------------
    def set_person(
        self, team_id: str, user_id: str, *, nudges_off: bool | None = None, quiet: QuietHours | None = None
    ) -> None:
        with self.db.session() as session:
            settings = session.get(PersonSettings, (team_id, user_id)) or PersonSettings(
                team_id=team_id, user_id=user_id
            )
            if nudges_off is not None:
                settings.nudges_off = nudges_off
            if quiet is not None:
                settings.quiet_start, settings.quiet_end = quiet.start, quiet.end
                settings.quiet_weekends = quiet.weekends
            session.add(settings)
