"""The session state machine and its timebox arithmetic. Pure: values in, values out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property

from bot.domain.steps import STEPS, Step
from bot.domain.workcal import WorkingCalendar


class Status(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    ENDED = "ended"


class TransitionError(Exception):
    """The action does not apply to the session as it is now (stale button, ended session…)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # a messages key


@dataclass(frozen=True)
class Timebox:
    """The running step's clock: when it started, its duration, extensions and paused time.

    With a working calendar (async sessions), durations, extensions and paused time are working time and the
    deadline is where that much working time has passed; without one (live sessions), clock time.
    """

    started_at: datetime
    duration: timedelta
    extended: timedelta = timedelta(0)
    paused_total: timedelta = timedelta(0)
    paused_at: datetime | None = None
    calendar: WorkingCalendar | None = None

    @property
    def length(self) -> timedelta:
        """The time the step is given: its duration and extensions (working time with a calendar)."""
        return self.duration + self.extended

    @cached_property  # a timebox never changes, and a working-time deadline walks the calendar
    def deadline(self) -> datetime:
        if self.calendar is None:
            return self.started_at + self.length + self.paused_total
        return self.calendar.add(self.started_at, self.length + self.paused_total)

    def before_deadline(self, amount: timedelta) -> datetime:
        """The moment `amount` of (working) time before the deadline: where a reminder falls."""
        if self.calendar is None:
            return self.deadline - amount
        return self.calendar.subtract(self.deadline, amount)

    def after_deadline(self, amount: timedelta) -> datetime:
        """The moment `amount` of (working) time after the deadline: where an automatic move-on falls."""
        if self.calendar is None:
            return self.deadline + amount
        return self.calendar.add(self.deadline, amount)

    def elapsed(self, since: datetime, until: datetime) -> timedelta:
        """The (working) time between two moments: what a pause costs."""
        if self.calendar is None:
            return max(until - since, timedelta(0))
        return self.calendar.between(since, until)

    def time_left(self, now: datetime) -> timedelta:
        """Clock time to the deadline for a live step, working time for a step with a calendar."""
        reference = self.paused_at or now
        if self.calendar is None:
            return self.deadline - reference
        deadline = self.deadline
        if reference >= deadline:
            return -(reference - deadline)
        return self.calendar.between(reference, deadline)

    def is_overdue(self, now: datetime) -> bool:
        return self.paused_at is None and now >= self.deadline


@dataclass(frozen=True)
class SessionState:
    step: Step
    status: Status
    version: int
    timebox: Timebox


def scaled(duration: timedelta, clock_speed: float) -> timedelta:
    """A timebox as the clock runs it: CODEV_CLOCK_SPEED=60 makes an hour last a minute."""
    return duration / clock_speed


def start(now: datetime, first_duration: timedelta, calendar: WorkingCalendar | None = None) -> SessionState:
    return SessionState(Step.PRESENTATION, Status.RUNNING, 1, Timebox(now, first_duration, calendar=calendar))


def _require_open(state: SessionState, expected_step: Step | None) -> None:
    if state.status is Status.ENDED:
        raise TransitionError("session_ended")
    if expected_step is not None and state.step != expected_step:
        raise TransitionError("stale_step")


def advance(
    state: SessionState, now: datetime, next_duration: timedelta | None, *, expected_step: Step | None = None
) -> SessionState:
    """Close the current step and open the next; after Learning the session ends."""
    _require_open(state, expected_step)
    following = state.step.next
    if following is None:
        return replace(state, status=Status.ENDED, version=state.version + 1)
    if next_duration is None:
        raise ValueError("the next step needs a duration")
    timebox = Timebox(now, next_duration, calendar=state.timebox.calendar)
    return SessionState(following, Status.RUNNING, state.version + 1, timebox)


def extend(state: SessionState, by: timedelta, *, expected_step: Step | None = None) -> SessionState:
    _require_open(state, expected_step)
    timebox = replace(state.timebox, extended=state.timebox.extended + by)
    return replace(state, timebox=timebox, version=state.version + 1)


def pause(state: SessionState, now: datetime, *, expected_step: Step | None = None) -> SessionState:
    _require_open(state, expected_step)
    if state.status is Status.PAUSED:
        raise TransitionError("already_paused")
    timebox = replace(state.timebox, paused_at=now)
    return replace(state, status=Status.PAUSED, timebox=timebox, version=state.version + 1)


def resume(state: SessionState, now: datetime, *, expected_step: Step | None = None) -> SessionState:
    """Resume a paused step; the time spent paused pushes the deadline back."""
    _require_open(state, expected_step)
    if state.status is not Status.PAUSED or state.timebox.paused_at is None:
        raise TransitionError("not_paused")
    paused_for = state.timebox.elapsed(state.timebox.paused_at, now)
    timebox = replace(state.timebox, paused_at=None, paused_total=state.timebox.paused_total + paused_for)
    return replace(state, status=Status.RUNNING, timebox=timebox, version=state.version + 1)


def end(state: SessionState, *, expected_step: Step | None = None) -> SessionState:
    _require_open(state, expected_step)
    return replace(state, status=Status.ENDED, version=state.version + 1)


def progress(state: SessionState) -> list[tuple[Step, str]]:
    """Each step with its place: 'done', 'current', 'todo', or 'skipped' after an early end."""
    marks = []
    for step in STEPS:
        if step < state.step or (state.status is Status.ENDED and step == state.step):
            marks.append((step, "done"))
        elif state.status is Status.ENDED:
            marks.append((step, "skipped"))
        elif step == state.step:
            marks.append((step, "current"))
        else:
            marks.append((step, "todo"))
    return marks
