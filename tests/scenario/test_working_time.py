"""An async case across people's days: a Paris group with members in Montreal and Toronto, on a fake clock.

The group's calendar is Paris, Monday–Friday 09:00–17:00; each member is notified in those hours on their own
zone's clock. Nobody's name notifies them outside their hours; they hear of their turn when their day starts.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.steps import Pace
from bot.domain.timers import EventKind, EventState
from bot.domain.workcal import WorkingCalendar
from bot.services.groups import GroupSettings
from bot.slack import ids
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually

PARIS = ZoneInfo("Europe/Paris")
CLIENT, CONSULTANTS = CAROL, [BOB, DAVE, ERIN, FRANK]  # Bob works in Montreal, Erin in Toronto


def paris(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def make_group(group: Group, holidays: frozenset[date] = frozenset(), end: time = time(17)) -> None:
    calendar = WorkingCalendar(tz="Europe/Paris", holidays=holidays, end=end)
    services, team = group.services, group.standin.team_id
    saved, _new = services.groups.save(
        team,
        group.channel,
        GroupSettings(name="Paris circle", charter="Be kind.", pace=Pace.ASYNC, calendar=calendar),
        members=[ALICE, CLIENT, *CONSULTANTS],
        by=ALICE,
    )
    for member in saved.members:
        services.groups.accept_charter(team, saved.id, member)


def start(group: Group, facilitator: str = ALICE, consultants: list[str] = CONSULTANTS, **values: object) -> None:
    """`facilitator` opens the start modal, chooses async and starts the session (more form values may follow)."""
    view = group.open_start_modal(facilitator, "Saying no to my director")
    group.slack.choose(facilitator, view["id"], ids.START_PACE, "async", {"client": CLIENT})
    eventually(lambda: "timekeeping" in str(group.standin.views[view["id"]]["blocks"]))
    form = {"facilitator": facilitator, "client": CLIENT, "consultants": consultants, "group_size": ["confirm"]}
    reply = group.slack.submit(facilitator, view["id"], {**form, **values})
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: group.step_message(1))


def at(group: Group, moment: datetime) -> None:
    group.services.clock.set(moment)
    group.tick()


def session(group: Group):  # type: ignore[no-untyped-def]
    return group.services.sessions.get(group.standin.team_id, 1)


def pending(group: Group, kind: EventKind) -> dict[str, datetime]:
    events = group.services.sessions.timers.events_of(group.standin.team_id, 1)
    return {e.user_id: e.due_at for e in events if e.kind is kind and e.state is EventState.PENDING}


def mentioned(messages: list[dict]) -> set[str]:  # type: ignore[type-arg]
    return {user for m in messages for user in re.findall(r"<@(U\w+)", str([m.get("text"), m.get("blocks")]))}


def deadline_shown(message: dict) -> int:  # type: ignore[type-arg]
    return int(re.search(r"<!date\^(\d+)\^", str(message["blocks"])).group(1))  # type: ignore[union-attr]


def test_a_case_started_on_friday_afternoon_counts_working_time_and_nobody_is_pinged_at_night(group: Group) -> None:
    make_group(group)
    group.services.clock.set(paris(11, 27, 16))  # Friday 16:00 in Paris, 10:00 in Montreal and Toronto
    start(group)
    # Presentation is half a working day: Friday 16–17 and Monday 09–12.
    assert session(group).timebox().deadline == paris(11, 30, 12)
    assert deadline_shown(group.step_message(1)) == int(paris(11, 30, 12).timestamp())
    assert CLIENT in mentioned([group.step_message(1)]), "Carol is working: her turn notifies her"

    # Alice moves on late on Friday night: the step opens at once, but names do not notify anyone.
    group.services.clock.set(paris(11, 27, 23, 30))
    group.click(ALICE, ids.NEXT, step=1)
    opened = eventually(lambda: group.step_message(2))
    assert mentioned([opened]) == set(), "at night, names are written without notifying"
    assert "@Bob" in str(opened["blocks"]) or "@Bob" in opened["text"]
    # Clarification (one working day) starts counting on Monday 09:00 in Paris.
    assert session(group).timebox().deadline == paris(11, 30, 17)
    turns = pending(group, EventKind.TURN)
    assert turns == {
        DAVE: paris(11, 30, 9),  # Brussels
        FRANK: paris(11, 30, 9),
        BOB: datetime(2026, 11, 30, 14, 0, tzinfo=UTC),  # 09:00 in Montreal
        ERIN: datetime(2026, 11, 30, 14, 0, tzinfo=UTC),  # 09:00 in Toronto
        CLIENT: paris(11, 30, 9),  # Clarification is a dialogue: the client, who answers, has a turn too
    }

    # Frank, awake early, replies before his turn message: he will get none.
    at(group, paris(11, 30, 8, 30))
    group.reply(FRANK, 2, "What have you tried so far?")
    at(group, paris(11, 30, 9))
    told = [m for m in group.thread(2) if "opened outside your working hours" in m["text"]]
    assert mentioned(told) == {DAVE, CLIENT}, "Dave (Brussels) and Carol (Paris) at 09:00; Frank already acted"
    at(group, datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    told = [m for m in group.thread(2) if "opened outside your working hours" in m["text"]]
    assert sorted(mentioned(told)) == sorted([DAVE, CLIENT, BOB, ERIN]), "Montreal and Toronto at 09:00 their time"
    at(group, datetime(2026, 11, 30, 14, 30, tzinfo=UTC))
    assert len([m for m in group.thread(2) if "opened outside" in m["text"]]) == 4, "once each"


def test_the_reminder_falls_in_working_time_and_reaches_each_person_in_their_own_hours(group: Group) -> None:
    make_group(group)
    group.services.clock.set(paris(11, 24, 9))  # Tuesday 09:00 in Paris, 03:00 in Montreal
    start(group)
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    # Clarification: 09:00–17:00 Paris; the reminder (20% left) at 15:24 Paris, 09:24 in Montreal.
    reminder = group.services.sessions.timers.events_of(group.standin.team_id, 1)
    (shared,) = [e for e in reminder if e.kind is EventKind.REMINDER and e.step == 2 and not e.user_id]
    assert shared.due_at == paris(11, 24, 15, 24)
    at(group, paris(11, 24, 15, 24))
    (note,) = [m for m in group.thread(2) if "left for Clarification" in m["text"]]
    assert {BOB, ERIN} <= mentioned([note]), "09:24 in Montreal and Toronto: they are working"
    assert "1 working hour 36 min left" in note["text"], note["text"]


def test_the_facilitators_times_up_dm_waits_for_their_morning(group: Group) -> None:
    make_group(group)
    group.standin.add_user("U0TOKYO", "Tomo", tz="Asia/Tokyo")
    group.services.clock.set(paris(11, 24, 9))
    start(group, "U0TOKYO", timekeeping=[])  # no automatic move-on: the step waits for the facilitator
    deadline = session(group).timebox().deadline  # Tuesday 13:00 in Paris: 21:00 in Tokyo
    assert deadline == paris(11, 24, 13)
    at(group, deadline)
    assert any("Time's up" in m["text"] for m in group.thread(1)), "the thread hears it at once"
    dm = group.standin.dm_channel("U0TOKYO")
    assert not [m for m in group.standin.messages(dm) if "Time's up" in m["text"]], "not at 21:00 in Tokyo"
    assert pending(group, EventKind.DEADLINE).get("U0TOKYO") == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    at(group, datetime(2026, 11, 25, 0, 0, tzinfo=UTC))  # 09:00 in Tokyo
    assert len([m for m in group.standin.messages(dm) if "Time's up" in m["text"]]) == 1


def test_a_holiday_inside_a_step_moves_its_deadline_past_it(group: Group) -> None:
    make_group(group, holidays=frozenset({date(2026, 12, 25)}))
    group.services.clock.set(paris(12, 24, 14))  # Thursday 14:00; Friday is Christmas
    start(group)
    # Half a day: Thursday 14–17 and one hour on Monday the 28th.
    assert session(group).timebox().deadline == paris(12, 28, 10)


@pytest.mark.parametrize("hour", [7, 12, 20])
def test_a_live_session_keeps_clock_minutes_at_any_hour(group: Group, hour: int) -> None:
    group.services.clock.set(paris(11, 28, hour))  # a Saturday
    group.start(facilitator=ALICE, client=CLIENT, consultants=CONSULTANTS)
    assert session(group).timebox().deadline == paris(11, 28, hour, 10)


def test_a_turn_that_comes_after_the_deadline_says_the_step_is_still_open(group: Group) -> None:
    make_group(group)
    group.standin.add_user("U0HAWAII", "Hana", tz="Pacific/Honolulu")  # 09:00–17:00 there is 20:00–04:00 in Paris
    group.services.clock.set(paris(11, 24, 9))
    start(group, consultants=[*CONSULTANTS, "U0HAWAII"], timekeeping=[])
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))  # Clarification until 17:00 in Paris
    assert pending(group, EventKind.TURN)["U0HAWAII"] == paris(11, 24, 20)
    at(group, paris(11, 24, 20))
    (late,) = [m for m in group.thread(2) if "<@U0HAWAII>" in m["text"]]
    assert "still open" in late["text"] and "time was up" in late["text"]


def test_a_turn_delivered_late_at_night_waits_for_the_persons_next_morning(group: Group) -> None:
    make_group(group)
    group.services.clock.set(paris(11, 27, 16))  # Friday
    start(group)
    group.services.clock.set(paris(11, 27, 23, 30))
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    assert pending(group, EventKind.TURN)[DAVE] == paris(11, 30, 9)
    # The timers were down all Monday: at 23:30 the turn messages are overdue, and everyone is off again.
    at(group, paris(11, 30, 23, 30))
    assert mentioned(group.thread(2)) == set(), "nobody is woken by a late delivery"
    turns = pending(group, EventKind.TURN)
    assert turns[DAVE] == paris(12, 1, 9), "Dave's turn message waits for Tuesday 09:00 in Brussels"
    assert turns[BOB] == datetime(2026, 12, 1, 14, 0, tzinfo=UTC), "Bob's for Tuesday 09:00 in Montreal"
    at(group, paris(12, 1, 9))
    assert mentioned(group.thread(2)) == {DAVE, FRANK, CLIENT}


def test_a_step_resumed_in_someones_night_does_not_wake_them_with_an_old_turn(group: Group) -> None:
    make_group(group)
    group.standin.add_user("U0TOKYO", "Tomo", tz="Asia/Tokyo")
    group.services.clock.set(paris(11, 24, 9))  # Tuesday 09:00 in Paris, 17:00 in Tokyo
    start(group, consultants=[*CONSULTANTS, "U0TOKYO"], timekeeping=[])
    group.services.clock.set(paris(11, 24, 10))  # 18:00 in Tokyo: off
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    assert pending(group, EventKind.TURN)["U0TOKYO"] == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # 09:00 Tokyo
    group.click(ALICE, ids.PAUSE, step=2)
    eventually(lambda: ids.RESUME in str(group.step_message(2)["blocks"]))  # the channel shows the pause
    group.services.clock.set(paris(11, 25, 15, 30))  # Wednesday 23:30 in Tokyo
    group.click(ALICE, ids.RESUME, step=2)
    eventually(lambda: session(group).status.value == "running")
    group.tick()
    assert "U0TOKYO" not in mentioned(group.thread(2))
    assert pending(group, EventKind.TURN)["U0TOKYO"] == datetime(2026, 11, 26, 0, 0, tzinfo=UTC), "Thursday 09:00"


def test_half_a_day_more_is_half_of_the_groups_working_day(group: Group) -> None:
    make_group(group, end=time(13))  # mornings only: a working day of 4 hours
    group.services.clock.set(paris(11, 24, 9))
    start(group)
    before = session(group).timebox().deadline  # half a day: 11:00
    assert before == paris(11, 24, 11)
    group.click(ALICE, ids.EXTEND, step=1)
    eventually(lambda: session(group).timebox().deadline != before)
    assert session(group).timebox().deadline == paris(11, 24, 13), "+½ day is 2 hours of a 4-hour day"
    events = group.services.sessions.timers.events_of(group.standin.team_id, 1)
    (auto,) = [e for e in events if e.kind is EventKind.AUTO_ADVANCE and e.state is EventState.PENDING]
    assert auto.due_at == paris(11, 25, 11), "the move-on waits half a working day: Wednesday 11:00"
    assert session(group).steps[session(group).step].extended == timedelta(hours=2)
