"""Async timeboxes count the group's working time; people off duty are told when their day starts. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain import session as core
from bot.domain.steps import Step
from bot.domain.timers import EventKind, Person, TimerSettings, plan
from bot.domain.workcal import WorkingCalendar

PARIS = WorkingCalendar(tz="Europe/Paris")  # Monday–Friday, 09:00–17:00
MONTREAL = PARIS.in_zone("America/Montreal")
DAY = timedelta(hours=8)


def paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)


def test_a_one_day_step_started_friday_afternoon_ends_monday_afternoon() -> None:
    state = core.start(paris(2026, 11, 27, 15), DAY, PARIS)  # a Friday
    assert state.timebox.deadline == paris(2026, 11, 30, 15)


def test_a_step_started_on_saturday_starts_counting_monday_morning() -> None:
    state = core.start(paris(2026, 11, 28, 11), DAY / 2, PARIS)
    assert state.timebox.deadline == paris(2026, 11, 30, 13)


def test_a_holiday_inside_a_step_pushes_its_deadline_a_day() -> None:
    christmas = WorkingCalendar(tz="Europe/Paris", holidays=frozenset({date(2026, 12, 25)}))
    state = core.start(paris(2026, 12, 24, 15), DAY, christmas)  # Thursday; Friday is off
    assert state.timebox.deadline == paris(2026, 12, 28, 15)


def test_time_left_is_working_time_and_a_pause_costs_only_working_time() -> None:
    state = core.start(paris(2026, 11, 26, 9), 2 * DAY, PARIS)  # Thursday 09:00 → Friday 17:00
    paused = core.pause(state, paris(2026, 11, 27, 16))
    assert paused.timebox.time_left(paris(2026, 11, 29, 12)) == timedelta(hours=1)  # frozen while paused
    resumed = core.resume(paused, paris(2026, 11, 30, 10))  # Friday 16–17 and Monday 9–10 paused: 2 h
    assert resumed.timebox.paused_total == timedelta(hours=2)
    assert resumed.timebox.deadline == paris(2026, 11, 30, 11)
    assert resumed.timebox.time_left(paris(2026, 11, 30, 10)) == timedelta(hours=1)


def test_an_extension_of_half_a_day_at_four_in_the_afternoon_runs_into_the_next_morning() -> None:
    state = core.start(paris(2026, 11, 26, 9), DAY, PARIS)  # deadline Thursday 17:00
    extended = core.extend(state, DAY / 2)
    assert extended.timebox.deadline == paris(2026, 11, 27, 13)


def test_live_sessions_keep_clock_minutes() -> None:
    state = core.start(paris(2026, 11, 28, 23), timedelta(minutes=10))
    assert state.timebox.deadline == paris(2026, 11, 28, 23, 10)


def test_reminders_and_the_automatic_move_on_fall_in_working_time() -> None:
    state = core.start(paris(2026, 11, 27, 15), DAY, PARIS)  # deadline Monday 15:00
    events = plan(state, TimerSettings(reminder_share=0.25, auto_advance=True), 1.0)
    due = {e.kind: e.due_at for e in events if not e.user_id}
    assert due[EventKind.REMINDER] == paris(2026, 11, 30, 13)  # 2 working hours before Monday 15:00
    assert due[EventKind.AUTO_ADVANCE] == paris(2026, 12, 1, 11)  # 4 working hours after


def test_who_is_off_when_the_step_opens_gets_a_turn_when_their_day_starts() -> None:
    opened = paris(2026, 11, 26, 16)  # Thursday 16:00 in Paris, 10:00 in Montreal
    state = core.advance(core.start(opened - DAY, DAY, PARIS), opened, DAY)  # Clarification
    carol = Person("U0CAROL", PARIS)  # in Paris: working
    bob = Person("U0BOB", MONTREAL)  # in Montreal: working
    night_owl = Person("U0ERIN", PARIS.in_zone("Asia/Tokyo"))  # 00:00 in Tokyo
    events = plan(state, TimerSettings(reminder_share=0), 1.0, [carol, bob, night_owl])
    turns = {e.user_id: e.due_at for e in events if e.kind is EventKind.TURN}
    assert turns == {"U0ERIN": datetime(2026, 11, 27, 0, 0, tzinfo=UTC)}  # Friday 09:00 in Tokyo


def test_who_already_acted_gets_no_turn() -> None:
    opened = paris(2026, 11, 26, 23)
    state = core.start(opened, DAY, PARIS)
    events = plan(state, TimerSettings(), 1.0, [Person("U0BOB", PARIS, acted=True)])
    assert not [e for e in events if e.kind is EventKind.TURN]


def test_a_reminder_at_night_for_someone_comes_as_their_own_in_their_morning() -> None:
    state = core.start(paris(2026, 11, 26, 9), 2 * DAY, PARIS)  # deadline Friday 17:00; reminder Friday 13:24
    montreal_bob = Person("U0BOB", MONTREAL)  # 07:24 in Montreal: off until 09:00 (15:00 Paris)
    events = plan(state, TimerSettings(reminder_share=0.2), 1.0, [montreal_bob])
    own = [e for e in events if e.kind is EventKind.REMINDER and e.user_id]
    assert [e.due_at for e in own] == [paris(2026, 11, 27, 15)]


def test_the_facilitator_off_at_the_deadline_gets_the_times_up_dm_in_their_morning() -> None:
    state = core.start(paris(2026, 11, 26, 9), DAY, PARIS)  # deadline Thursday 17:00 Paris = 11:00 Montreal
    tokyo = Person("U0ALICE", PARIS.in_zone("Asia/Tokyo"))  # 01:00 Friday in Tokyo
    events = plan(state, TimerSettings(), 1.0, [], tokyo)
    held = [e for e in events if e.kind is EventKind.DEADLINE and e.user_id == "U0ALICE"]
    assert [e.due_at for e in held] == [datetime(2026, 11, 27, 0, 0, tzinfo=UTC)]
    in_paris = plan(state, TimerSettings(), 1.0, [], Person("U0ALICE", PARIS))
    assert not [e for e in in_paris if e.kind is EventKind.DEADLINE and e.user_id]


def test_clock_speed_shrinks_working_time_not_the_calendar() -> None:
    # At 60×, a one-day step lasts 8 minutes of working time: started at 16:58 it ends 6 minutes into Monday.
    state = core.start(paris(2026, 11, 27, 16, 58), core.scaled(DAY, 60), PARIS)
    assert state.timebox.deadline == paris(2026, 11, 30, 9, 6)
    assert state.step == Step.PRESENTATION


def test_a_nudge_and_ones_own_reminder_at_the_same_moment_make_one_message() -> None:
    # Monday 09:30 Paris, two working days; a consultant in Tokyo is off at the reminder and at mid-step, so
    # both would wait for the same 09:00 in Tokyo: the reminder alone goes.
    state = core.advance(core.start(paris(2026, 11, 30, 9), DAY, PARIS), paris(2026, 11, 30, 9, 30), 2 * DAY)
    tokyo = Person("U0TOMO", PARIS.in_zone("Asia/Tokyo"), nudge=True)
    events = plan(state, TimerSettings(reminder_share=0.2, nudges=True), 1.0, [tokyo])
    mine = sorted((e.due_at, e.kind.value) for e in events if e.user_id == "U0TOMO")
    assert len({due for due, _kind in mine}) == len(mine), mine
    assert [kind for _due, kind in mine] == ["turn", "reminder"], "Tuesday's turn, Wednesday's reminder, no nudge"
