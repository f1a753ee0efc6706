"""Which timed events a session's state implies, and how stored events must change to match. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.session import SessionState, Status, scaled
from bot.domain.steps import Step
from bot.domain.workcal import WorkingCalendar


class EventKind(StrEnum):
    REMINDER = "reminder"  # a share of the time is left (with a user: their own, held for their working hours)
    DEADLINE = "deadline"  # time's up: the facilitator chooses (with a user: the facilitator's held DM)
    AUTO_ADVANCE = "auto_advance"  # async: nobody acted during the grace period, move on
    NUDGE = "nudge"  # async: a private DM to a consultant who has not replied yet
    TURN = "turn"  # async: a step opened outside someone's working hours; they are told when their day starts


class EventState(StrEnum):
    PENDING = "pending"
    FIRING = "firing"  # claimed by the scheduler; the intent is recorded before posting
    DONE = "done"
    DROPPED = "dropped"  # due, but the session had moved on
    CANCELLED = "cancelled"  # no longer implied by the session (paused, extended, ended…)


NUDGED_STEPS = (Step.CLARIFICATION, Step.CONSULTATION)
ONCE_PER_STEP = (EventKind.NUDGE, EventKind.TURN)  # never re-armed by an extension


@dataclass(frozen=True)
class TimerSettings:
    reminder_share: float = 0.2
    auto_advance: bool = False
    grace: timedelta = timedelta(hours=4)  # method time (working time in async sessions): scaled by CODEV_CLOCK_SPEED
    nudges: bool = False


@dataclass(frozen=True)
class Person:
    """Someone a step concerns, as the timers see them."""

    user_id: str
    hours: WorkingCalendar  # when they may be notified: their own hours, else the group's in their zone
    acted: bool = False  # replied in the step's thread or clicked "I'm done"
    nudge: bool = False  # a consultant still silent who may be nudged (nudges on, still in the channel)
    gone: bool = False  # left the channel or the workspace: no message in the thread will reach them


@dataclass(frozen=True)
class Planned:
    kind: EventKind
    step: Step
    user_id: str
    due_at: datetime

    @property
    def key(self) -> tuple[int, str, str]:
        return int(self.step), self.kind.value, self.user_id


@dataclass(frozen=True)
class Stored:
    id: int
    kind: EventKind
    step: Step
    user_id: str
    due_at: datetime
    state: EventState
    fired_at: datetime | None = None

    @property
    def key(self) -> tuple[int, str, str]:
        return int(self.step), self.kind.value, self.user_id


def plan(
    state: SessionState,
    settings: TimerSettings,
    clock_speed: float,
    speakers: Sequence[Person] = (),
    facilitator: Person | None = None,
) -> list[Planned]:
    """The events a running step implies; none while paused or after the end.

    `speakers` are those the step expects. In a session with a working calendar (async), nobody is notified
    outside their working hours: who is off when the step opens gets a TURN when their day starts, who is off
    at the reminder gets their own REMINDER then (if still before the deadline), and a facilitator off at the
    deadline gets the time's-up DM as their own DEADLINE. Nudges always wait for working hours.
    """
    if state.status is not Status.RUNNING:
        return []
    timebox = state.timebox
    deadline = timebox.deadline
    events = [Planned(EventKind.DEADLINE, state.step, "", deadline)]
    held = timebox.calendar is not None
    waiting = [p for p in speakers if not (p.acted or p.gone)]
    turns: dict[str, datetime] = {}
    own_reminders: dict[str, datetime] = {}
    if held:
        for person in waiting:
            if not person.hours.may_notify(timebox.started_at):
                turns[person.user_id] = person.hours.next_working_instant(timebox.started_at)
                events.append(Planned(EventKind.TURN, state.step, person.user_id, turns[person.user_id]))
    if settings.reminder_share > 0:
        reminder = timebox.before_deadline(timebox.length * settings.reminder_share)
        events.append(Planned(EventKind.REMINDER, state.step, "", reminder))
        for person in waiting if held else ():
            if person.hours.may_notify(reminder):
                continue
            due = person.hours.next_working_instant(reminder)
            turn = turns.get(person.user_id)
            if due < deadline and (turn is None or turn < due):  # a later turn message says it all
                own_reminders[person.user_id] = due
                events.append(Planned(EventKind.REMINDER, state.step, person.user_id, due))
    if held and facilitator is not None and not facilitator.hours.may_notify(deadline):
        events.append(
            Planned(
                EventKind.DEADLINE, state.step, facilitator.user_id, facilitator.hours.next_working_instant(deadline)
            )
        )
    if settings.auto_advance:
        events.append(
            Planned(EventKind.AUTO_ADVANCE, state.step, "", timebox.after_deadline(scaled(settings.grace, clock_speed)))
        )
    if settings.nudges and state.step in NUDGED_STEPS:
        middle = timebox.before_deadline(timebox.length / 2)
        for person in speakers:
            if person.nudge:
                due = person.hours.next_working_instant(middle)
                turn = turns.get(person.user_id)
                told = (turn is not None and turn >= due) or own_reminders.get(person.user_id) == due
                if not told:  # a turn message at that moment or later, or their reminder then, says it already
                    events.append(Planned(EventKind.NUDGE, state.step, person.user_id, due))
    return events


@dataclass
class Reconciliation:
    insert: list[Planned] = field(default_factory=list)
    reschedule: list[tuple[int, datetime]] = field(default_factory=list)  # pending or re-armed → pending at due
    cancel: list[int] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.insert or self.reschedule or self.cancel)


def reconcile(stored: list[Stored], planned: list[Planned]) -> Reconciliation:
    """What to write so that the pending events are exactly the planned ones that have not yet fired."""
    result = Reconciliation()
    by_key = {event.key: event for event in stored}
    planned_keys = set()
    for event in planned:
        planned_keys.add(event.key)
        existing = by_key.get(event.key)
        if existing is None:
            result.insert.append(event)
        elif existing.state in (EventState.PENDING, EventState.CANCELLED):
            if existing.state is EventState.CANCELLED or existing.due_at != event.due_at:
                result.reschedule.append((existing.id, event.due_at))
        elif existing.state in (EventState.DONE, EventState.DROPPED) and _rearms(existing, event):
            result.reschedule.append((existing.id, event.due_at))
    for old in stored:
        if old.state is EventState.PENDING and old.key not in planned_keys:
            result.cancel.append(old.id)
    return result


def _rearms(fired: Stored, planned: Planned) -> bool:
    """An extension after a reminder or time's-up makes a new one due later; a nudge comes once per step."""
    if planned.kind in ONCE_PER_STEP:
        return False
    reference = fired.fired_at or fired.due_at
    return planned.due_at > reference
