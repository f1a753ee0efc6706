"""Which timed events a session's state implies, and how stored events must change to match. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.calendar import QuietHours, next_working_moment
from bot.domain.session import SessionState, Status, scaled
from bot.domain.steps import Step


class EventKind(StrEnum):
    REMINDER = "reminder"  # a share of the time is left
    DEADLINE = "deadline"  # time's up: the facilitator chooses
    AUTO_ADVANCE = "auto_advance"  # async: nobody acted during the grace period, move on
    NUDGE = "nudge"  # async: a private DM to a consultant who has not replied yet


class EventState(StrEnum):
    PENDING = "pending"
    FIRING = "firing"  # claimed by the scheduler; the intent is recorded before posting
    DONE = "done"
    DROPPED = "dropped"  # due, but the session had moved on
    CANCELLED = "cancelled"  # no longer implied by the session (paused, extended, ended…)


NUDGED_STEPS = (Step.CLARIFICATION, Step.CONSULTATION)


@dataclass(frozen=True)
class TimerSettings:
    reminder_share: float = 0.2
    auto_advance: bool = False
    grace: timedelta = timedelta(hours=4)  # method time: scaled by CODEV_CLOCK_SPEED
    nudges: bool = False


@dataclass(frozen=True)
class NudgeTarget:
    user_id: str
    tz: str | None
    quiet: QuietHours


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
    state: SessionState, settings: TimerSettings, clock_speed: float, nudge_targets: Sequence[NudgeTarget] = ()
) -> list[Planned]:
    """The events a running step implies; none while paused or after the end."""
    if state.status is not Status.RUNNING:
        return []
    timebox = state.timebox
    length = timebox.duration + timebox.extended
    deadline = timebox.deadline
    events = [Planned(EventKind.DEADLINE, state.step, "", deadline)]
    if settings.reminder_share > 0:
        events.append(Planned(EventKind.REMINDER, state.step, "", deadline - length * settings.reminder_share))
    if settings.auto_advance:
        events.append(Planned(EventKind.AUTO_ADVANCE, state.step, "", deadline + scaled(settings.grace, clock_speed)))
    if settings.nudges and state.step in NUDGED_STEPS:
        middle = deadline - length / 2
        for target in nudge_targets:
            # Quiet hours are wall-clock facts: never scaled.
            due = next_working_moment(middle, target.tz, target.quiet)
            events.append(Planned(EventKind.NUDGE, state.step, target.user_id, due))
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
    if planned.kind is EventKind.NUDGE:
        return False
    reference = fired.fired_at or fired.due_at
    return planned.due_at > reference
