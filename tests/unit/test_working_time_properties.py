"""Properties of working-time timeboxes over random calendars, start instants and action sequences. Pure.

Every deadline, reminder and automatic move-on falls in the calendar's working time (or at the very end of a
working period); every turn message, personal reminder, held time's-up DM and nudge falls in its recipient's
own working time; and the working time a step is given equals its duration plus its extensions.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import session as core
from bot.domain.session import SessionState, Status, TransitionError
from bot.domain.steps import Step
from bot.domain.timers import EventKind, Person, TimerSettings, plan
from bot.domain.workcal import WorkingCalendar

EXAMPLES = int(os.environ.get("CODEV_PROPERTY_EXAMPLES", "150"))
ZONES = [
    "UTC",
    "Europe/Paris",
    "America/Montreal",
    "America/Los_Angeles",
    "Australia/Sydney",  # DST in the southern summer
    "Asia/Kolkata",  # half-hour offset
    "Asia/Kathmandu",  # quarter-hour offset
    "Pacific/Chatham",  # 12:45 / 13:45
    "America/Sao_Paulo",
]
# Weeks around clock changes and year ends, and plain weeks.
ANCHORS = [
    datetime(2026, 3, 8, tzinfo=UTC),  # US spring forward
    datetime(2026, 3, 29, tzinfo=UTC),  # EU spring forward
    datetime(2026, 4, 5, tzinfo=UTC),  # Sydney falls back
    datetime(2026, 10, 4, tzinfo=UTC),  # Sydney springs forward
    datetime(2026, 10, 25, tzinfo=UTC),  # EU falls back
    datetime(2026, 11, 1, tzinfo=UTC),  # US falls back
    datetime(2026, 12, 24, tzinfo=UTC),  # holidays and the year's end
    datetime(2027, 6, 14, tzinfo=UTC),
]


@st.composite
def calendars(draw: st.DrawFn) -> WorkingCalendar:
    zone = draw(st.sampled_from(ZONES))
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    start_minutes = draw(st.integers(0, 22 * 60))
    length = draw(st.integers(30, 24 * 60 - start_minutes))
    start = time(start_minutes // 60, start_minutes % 60)
    end_minutes = start_minutes + length
    end = time.max if end_minutes >= 24 * 60 else time(end_minutes // 60, end_minutes % 60)
    anchor = draw(st.sampled_from(ANCHORS)).date()
    holidays = draw(st.frozensets(st.integers(-3, 20).map(lambda n: anchor + timedelta(days=n)), max_size=4))
    return WorkingCalendar(tz=zone, days=days, start=start, end=end, holidays=frozenset(holidays))


instants = st.builds(
    lambda anchor, minutes: anchor + timedelta(minutes=minutes),
    st.sampled_from(ANCHORS),
    st.integers(-3 * 24 * 60, 10 * 24 * 60),
)
amounts = st.integers(1, 3 * 8 * 4).map(lambda quarters: timedelta(minutes=15 * quarters))  # up to 3 days of 8 h
actions = st.lists(
    st.one_of(
        st.tuples(st.just("wait"), st.integers(1, 3 * 24 * 60)),
        st.tuples(st.sampled_from(["extend", "pause", "resume"]), st.just(0)),
    ),
    max_size=12,
)
people = st.lists(
    st.tuples(st.sampled_from(ZONES), st.booleans(), st.booleans()), min_size=1, max_size=4
)  # zone, acted, may be nudged


def apply(state: SessionState, action: tuple[str, int], now: datetime, extension: timedelta) -> SessionState:
    try:
        if action[0] == "extend":
            return core.extend(state, extension)
        if action[0] == "pause":
            return core.pause(state, now)
        if action[0] == "resume":
            return core.resume(state, now)
    except TransitionError:
        pass
    return state


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    calendar=calendars(),
    start=instants,
    duration=amounts,
    extension=amounts,
    steps=actions,
    crowd=people,
    share=st.sampled_from([0.0, 0.1, 0.2, 0.5]),
    grace=amounts,
)
def test_every_moment_falls_in_working_time_and_each_step_gets_its_working_time(
    calendar: WorkingCalendar,
    start: datetime,
    duration: timedelta,
    extension: timedelta,
    steps: list[tuple[str, int]],
    crowd: list[tuple[str, bool, bool]],
    share: float,
    grace: timedelta,
) -> None:
    state = core.advance(core.start(start, duration, calendar), start, duration)  # Clarification: nudged
    speakers = [
        Person(f"U{n}", calendar.in_zone(zone), acted=acted, nudge=nudge and not acted)
        for n, (zone, acted, nudge) in enumerate(crowd)
    ]
    facilitator = Person("UF", calendar.in_zone(crowd[0][0]))
    timer_settings = TimerSettings(reminder_share=share, auto_advance=True, grace=grace, nudges=True)
    now = start
    extended = timedelta(0)
    for action in [("wait", 0), *steps]:
        if action[0] == "wait":
            now += timedelta(minutes=action[1])
        else:
            before = state.timebox.extended
            state = apply(state, action, now, extension)
            extended += state.timebox.extended - before
        timebox = state.timebox
        # The working time the step is given is its duration and extensions, whatever the pauses.
        assert timebox.length == duration + extended
        assert calendar.between(timebox.started_at, timebox.deadline) == timebox.length + timebox.paused_total
        assert calendar.may_notify(timebox.deadline)
        if state.status is Status.PAUSED:
            assert plan(state, timer_settings, 1.0, speakers, facilitator) == []
            continue
        hours = {p.user_id: p.hours for p in [*speakers, facilitator]}
        for event in plan(state, timer_settings, 1.0, speakers, facilitator):
            assert event.step is Step.CLARIFICATION
            if event.user_id:
                assert hours[event.user_id].may_notify(event.due_at), event
            else:
                assert calendar.may_notify(event.due_at), event
            if event.kind is EventKind.TURN:
                assert not hours[event.user_id].may_notify(timebox.started_at), "only who was off when it opened"
            if event.kind is EventKind.REMINDER and not event.user_id:
                before_deadline = calendar.between(event.due_at, timebox.deadline)
                assert abs(before_deadline - timebox.length * share) < timedelta(seconds=1)


@settings(max_examples=EXAMPLES, deadline=None)
@given(calendar=calendars(), start=instants, amount=amounts)
def test_adding_then_subtracting_working_time_comes_back_within_the_same_working_time(
    calendar: WorkingCalendar, start: datetime, amount: timedelta
) -> None:
    end = calendar.add(start, amount)
    assert calendar.between(start, end) == amount
    assert calendar.between(calendar.subtract(end, amount), end) == amount


def test_the_strategies_cover_a_holiday_on_a_working_day() -> None:
    calendar = WorkingCalendar(tz="Europe/Paris", holidays=frozenset({date(2026, 12, 25)}))
    assert not calendar.is_working(datetime(2026, 12, 25, 10, tzinfo=UTC))
