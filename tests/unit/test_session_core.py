"""The pure session state machine and its timebox arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import session as core
from bot.domain.session import Status, TransitionError
from bot.domain.steps import Pace, Step, expected_speakers

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TEN_MIN = timedelta(minutes=10)


def test_a_session_starts_in_presentation() -> None:
    state = core.start(T0, TEN_MIN)
    assert state.step is Step.PRESENTATION
    assert state.status is Status.RUNNING
    assert state.timebox.deadline == T0 + TEN_MIN


def test_steps_go_in_order_and_learning_ends_the_session() -> None:
    state = core.start(T0, TEN_MIN)
    seen = [state.step]
    while state.status is not Status.ENDED:
        state = core.advance(state, T0, TEN_MIN)
        seen.append(state.step)
    assert seen == [*list(Step), Step.LEARNING]
    assert state.version == 7


def test_a_stale_button_cannot_advance() -> None:
    state = core.advance(core.start(T0, TEN_MIN), T0, TEN_MIN)
    with pytest.raises(TransitionError) as error:
        core.advance(state, T0, TEN_MIN, expected_step=Step.PRESENTATION)
    assert error.value.reason == "stale_step"


def test_nothing_moves_an_ended_session() -> None:
    state = core.end(core.start(T0, TEN_MIN))
    for action in (
        lambda s: core.advance(s, T0, TEN_MIN),
        lambda s: core.extend(s, TEN_MIN),
        lambda s: core.pause(s, T0),
        core.end,
    ):
        with pytest.raises(TransitionError):
            action(state)


def test_pause_pushes_the_deadline_back_by_the_time_paused() -> None:
    state = core.start(T0, TEN_MIN)
    paused = core.pause(state, T0 + timedelta(minutes=4))
    assert paused.timebox.time_left(T0 + timedelta(hours=3)) == timedelta(minutes=6)
    resumed = core.resume(paused, T0 + timedelta(minutes=34))
    assert resumed.timebox.deadline == T0 + TEN_MIN + timedelta(minutes=30)
    assert resumed.status is Status.RUNNING


def test_pause_twice_and_resume_unpaused_are_refused() -> None:
    state = core.start(T0, TEN_MIN)
    with pytest.raises(TransitionError):
        core.resume(state, T0)
    with pytest.raises(TransitionError):
        core.pause(core.pause(state, T0), T0)


def test_extend_adds_to_the_deadline() -> None:
    state = core.extend(core.start(T0, TEN_MIN), timedelta(minutes=5))
    assert state.timebox.deadline == T0 + timedelta(minutes=15)
    assert state.timebox.is_overdue(T0 + timedelta(minutes=15))
    assert not state.timebox.is_overdue(T0 + timedelta(minutes=14))


def test_clock_speed_scales_timeboxes() -> None:
    assert core.scaled(timedelta(hours=1), 60) == timedelta(minutes=1)


def test_progress_marks_steps() -> None:
    state = core.advance(core.start(T0, TEN_MIN), T0, TEN_MIN)
    marks = dict(core.progress(state))
    assert marks[Step.PRESENTATION] == "done" and marks[Step.CLARIFICATION] == "current"
    assert marks[Step.LEARNING] == "todo"
    ended = dict(core.progress(core.end(state)))
    assert ended[Step.CLARIFICATION] == "done" and ended[Step.CONTRACT] == "skipped"


def test_who_speaks_in_each_step() -> None:
    consultants = ["C1", "C2"]
    assert expected_speakers(Step.PRESENTATION, "CL", consultants, "FA") == ["CL"]
    # Clarification is a dialogue: the consultants ask, the client answers.
    assert expected_speakers(Step.CLARIFICATION, "CL", consultants, "FA") == [*consultants, "CL"]
    assert expected_speakers(Step.CONTRACT, "CL", consultants, "FA") == ["CL"]
    assert expected_speakers(Step.CONSULTATION, "CL", consultants, "FA") == consultants
    assert expected_speakers(Step.SYNTHESIS, "CL", consultants, "FA") == ["CL"]
    # Learning is everyone's: the facilitator says what they take away too.
    assert expected_speakers(Step.LEARNING, "CL", consultants, "FA") == ["CL", *consultants, "FA"]


def test_pace_units() -> None:
    assert Pace.LIVE.unit == timedelta(minutes=1)
    assert Pace.ASYNC.unit == timedelta(hours=1)
