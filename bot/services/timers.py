"""Timed events in the database: kept equal to what each session implies, claimed once when they fire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.domain.calendar import QuietHours, choose_quiet_hours
from bot.domain.session import SessionState
from bot.domain.steps import Step
from bot.domain.timers import (
    EventKind,
    EventState,
    NudgeTarget,
    Planned,
    Stored,
    TimerSettings,
    plan,
    reconcile,
)
from bot.services.groups import group_quiet_hours
from bot.storage.db import Database
from bot.storage.models import (
    CodevGroup,
    CodevSession,
    Consultant,
    Contribution,
    PersonSettings,
    SlackUser,
    TimedEvent,
)

# An event is "due" when its moment has come; this much early is still on time (scheduler jitter).
EARLY_TOLERANCE = timedelta(milliseconds=50)


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
    return EventInfo(row.id, row.team_id, row.session_id, Step(row.step), EventKind(row.kind), row.user_id,
                     row.due_at, EventState(row.state), row.message_ts, row.fired_at)


class TimerBook:
    """Reads and writes timed_event rows; the scheduler's jobs are rebuilt from them at any time."""

    def __init__(self, db: Database, clock_speed: float) -> None:
        self.db = db
        self.clock_speed = clock_speed

    # ---- keeping events equal to the plan ---------------------------------------------------------------
    def sync(self, session: Session, row: CodevSession, state: SessionState, now: datetime) -> bool:
        """Make the stored events of one session match its state; True when anything changed."""
        assert row.id is not None
        planned = self.plan_for(session, row, state)
        stored_rows = list(session.exec(select(TimedEvent).where(TimedEvent.session_id == row.id)).all())
        stored = [Stored(r.id or 0, EventKind(r.kind), Step(r.step), r.user_id, r.due_at, EventState(r.state),
                         r.fired_at) for r in stored_rows]
        changes = reconcile(stored, planned)
        if changes.empty:
            return False
        by_id = {r.id: r for r in stored_rows}
        for event in changes.insert:
            session.add(TimedEvent(team_id=row.team_id, session_id=row.id, step=int(event.step),
                                   kind=event.kind.value, user_id=event.user_id, due_at=event.due_at,
                                   state=EventState.PENDING.value, updated_at=now))
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

    def plan_for(self, session: Session, row: CodevSession, state: SessionState) -> list[Planned]:
        settings = TimerSettings(reminder_share=row.reminder_share, auto_advance=row.auto_advance,
                                 nudges=row.nudges)
        targets = self._nudge_targets(session, row, state.step) if row.nudges else []
        return plan(state, settings, self.clock_speed, targets)

    def _nudge_targets(self, session: Session, row: CodevSession, step: Step) -> list[NudgeTarget]:
        """Consultants who have not replied in this step yet and have not turned nudges off."""
        consultants = session.exec(select(Consultant.user_id).where(Consultant.session_id == row.id)).all()
        replied = set(session.exec(select(Contribution.user_id).where(
            Contribution.session_id == row.id, Contribution.step == int(step),
            col(Contribution.deleted).is_(False))).all())
        waiting = [u for u in consultants if u not in replied]
        if not waiting:
            return []
        settings = {s.user_id: s for s in session.exec(select(PersonSettings).where(
            PersonSettings.team_id == row.team_id, col(PersonSettings.user_id).in_(waiting))).all()}
        people = {u.user_id: u for u in session.exec(select(SlackUser).where(
            SlackUser.team_id == row.team_id, col(SlackUser.user_id).in_(waiting))).all()}
        group = group_quiet_hours(session.exec(select(CodevGroup).where(
            CodevGroup.team_id == row.team_id, CodevGroup.channel_id == row.channel_id)).first())
        targets = []
        for user_id in waiting:
            own = settings.get(user_id)
            person = people.get(user_id)
            if (own is not None and own.nudges_off) or (person is not None and person.deleted):
                continue  # turned off, or no longer in the workspace
            targets.append(NudgeTarget(user_id, person.tz if person else None,
                                       choose_quiet_hours(_quiet_of(own), group)))
        return targets

    # ---- what the scheduler asks ------------------------------------------------------------------------
    def pending_until(self, horizon: datetime) -> dict[int, datetime]:
        """Pending events due before `horizon`: the jobs the scheduler should hold now."""
        with self.db.read() as session:
            rows = session.exec(select(TimedEvent.id, TimedEvent.due_at).where(
                TimedEvent.state == EventState.PENDING.value, TimedEvent.due_at <= horizon)).all()
            return {event_id: due for event_id, due in rows if event_id is not None}

    def due(self, now: datetime) -> list[int]:
        """Pending events whose moment has come, oldest first."""
        with self.db.read() as session:
            return [i for i in session.exec(select(TimedEvent.id).where(
                TimedEvent.state == EventState.PENDING.value, TimedEvent.due_at <= now + EARLY_TOLERANCE)
                .order_by(col(TimedEvent.due_at))).all() if i is not None]

    def claim(self, event_id: int, now: datetime) -> EventInfo | None:
        """Take a due event for delivery, recording the intent first. None when not due or already taken."""
        with self.db.session() as session:
            result = session.exec(update(TimedEvent).where(  # type: ignore[call-overload]
                TimedEvent.id == event_id, TimedEvent.state == EventState.PENDING.value,
                TimedEvent.due_at <= now + EARLY_TOLERANCE,
            ).values(state=EventState.FIRING.value, fired_at=now, updated_at=now))
            if result.rowcount != 1:
                return None
            row = session.get(TimedEvent, event_id)
            assert row is not None
            return _info(row)

    def finish(self, event_id: int, state: EventState, now: datetime, message_ts: str | None = None) -> None:
        with self.db.session() as session:
            session.exec(update(TimedEvent).where(  # type: ignore[call-overload]
                TimedEvent.id == event_id, TimedEvent.state == EventState.FIRING.value,
            ).values(state=state.value, updated_at=now, message_ts=message_ts))

    def interrupted(self, claimed_before: datetime | None = None) -> list[EventInfo]:
        """Events claimed but never finished: by a process that died, or whose delivery Slack refused."""
        with self.db.read() as session:
            query = select(TimedEvent).where(TimedEvent.state == EventState.FIRING.value)
            if claimed_before is not None:
                query = query.where(col(TimedEvent.updated_at) < claimed_before)
            return [_info(r) for r in session.exec(query).all()]

    def events_of(self, team_id: str, session_id: int) -> list[EventInfo]:
        with self.db.read() as session:
            rows = session.exec(select(TimedEvent).where(TimedEvent.team_id == team_id,
                                                         TimedEvent.session_id == session_id)
                                .order_by(col(TimedEvent.id))).all()
            return [_info(r) for r in rows]

    # ---- personal settings ------------------------------------------------------------------------------
    def set_person(self, team_id: str, user_id: str, *, nudges_off: bool | None = None,
                   quiet: QuietHours | None = None) -> None:
        with self.db.session() as session:
            settings = session.get(PersonSettings, (team_id, user_id)) or PersonSettings(
                team_id=team_id, user_id=user_id)
            if nudges_off is not None:
                settings.nudges_off = nudges_off
            if quiet is not None:
                settings.quiet_start, settings.quiet_end = quiet.start, quiet.end
                settings.quiet_weekends = quiet.weekends
            session.add(settings)


def _quiet_of(settings: PersonSettings | None) -> QuietHours | None:
    if settings is None or settings.quiet_start is None or settings.quiet_end is None:
        return None
    return QuietHours(settings.quiet_start, settings.quiet_end, settings.quiet_weekends)
