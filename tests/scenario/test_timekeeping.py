"""Timeboxes that hold: reminders, time's up, automatic move-on, early close and nudges, on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.session import Status
from bot.domain.timers import EventKind, EventState
from bot.slack import ids
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually


def events(group: Group, kind: EventKind | None = None):  # type: ignore[no-untyped-def]
    found = group.services.sessions.timers.events_of(group.standin.team_id, 1)
    return [e for e in found if kind is None or e.kind is kind]


def pending(group: Group) -> set[tuple[int, str, str]]:
    return {(int(e.step), e.kind.value, e.user_id) for e in events(group) if e.state is EventState.PENDING}


def later(group: Group, **delta: float) -> None:
    group.services.clock.advance(timedelta(**delta))


def session(group: Group):  # type: ignore[no-untyped-def]
    return group.services.sessions.get(group.standin.team_id, 1)


def start_async(group: Group, *options: str) -> None:
    view = group.open_start_modal()
    group.slack.choose(ALICE, view["id"], ids.START_PACE, "async", {"client": BOB})
    eventually(lambda: "timekeeping" in str(group.standin.views[view["id"]]["blocks"]))
    reply = group.slack.submit(
        ALICE, view["id"], {"consultants": [CAROL, DAVE, ERIN, FRANK], "timekeeping": list(options)}
    )
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: group.step_message(1))


def test_a_live_step_has_a_reminder_and_a_deadline(group: Group) -> None:
    group.start()  # live: Presentation lasts 10 minutes
    assert pending(group) == {(1, "reminder", ""), (1, "deadline", "")}
    reminder = events(group, EventKind.REMINDER)[0]
    assert reminder.due_at == session(group).timebox().deadline - timedelta(minutes=2)


def test_the_reminder_comes_when_a_fifth_of_the_time_is_left(group: Group) -> None:
    group.start()
    later(group, minutes=7)
    assert group.tick() == 0
    later(group, minutes=1)
    assert group.tick() == 1
    (note,) = group.thread(1)
    assert "2 min left for Presentation" in note["text"] and f"<@{BOB}>" in note["text"]
    assert note["metadata"]["event_type"] == "codev_timed_event"
    assert group.tick() == 0, "delivered once"


def test_times_up_tells_the_thread_and_asks_the_facilitator(group: Group) -> None:
    group.start()
    later(group, minutes=10)
    group.tick()
    assert any("Time's up for Presentation" in m["text"] for m in group.thread(1))
    dm = group.standin.dm_channel(ALICE)
    choice = group.standin.messages(dm)[-1]
    buttons = [e["action_id"] for e in choice["blocks"][1]["elements"]]
    assert buttons == [ids.EXTEND, ids.NEXT]
    group.slack.click(ALICE, ids.EXTEND, channel_id=dm)
    eventually(lambda: session(group).timebox().deadline > group.services.clock.now())
    assert (1, "deadline", "") in pending(group), "a new deadline is armed after an extension"
    later(group, minutes=5)
    group.tick()
    assert sum("Time's up" in m["text"] for m in group.thread(1)) == 2


def test_next_cancels_the_old_steps_events_and_arms_the_new(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    assert pending(group) == {(2, "reminder", ""), (2, "deadline", "")}
    assert {e.state for e in events(group) if e.step == 1} == {EventState.CANCELLED}


def test_pause_holds_every_timer_and_resume_shifts_them(group: Group) -> None:
    group.start()
    before = {e.kind: e.due_at for e in events(group)}
    group.click(ALICE, ids.PAUSE, step=1)
    eventually(lambda: ids.RESUME in str(group.step_message(1)["blocks"]))  # the channel shows the pause
    assert session(group).status is Status.PAUSED
    assert pending(group) == set()
    later(group, hours=2)
    assert group.tick() == 0
    group.click(ALICE, ids.RESUME, step=1)
    eventually(lambda: session(group).status is Status.RUNNING)
    after = {e.kind: e.due_at for e in events(group) if e.state is EventState.PENDING}
    assert after == {kind: due + timedelta(hours=2) for kind, due in before.items()}


def test_end_leaves_no_pending_timer(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.END, step=1)
    eventually(lambda: session(group).status is Status.ENDED)
    assert pending(group) == set()


def test_async_moves_on_by_itself_after_the_grace_period(group: Group) -> None:
    group.services.clock.set(datetime(2026, 11, 24, 13, 0, tzinfo=UTC))  # Tuesday 14:00 in Paris (Alice's zone)
    start_async(group, "auto_advance")
    deadline = session(group).timebox().deadline  # half a working day: Wednesday 10:00 in Paris
    assert deadline == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    group.services.clock.set(deadline)
    group.tick()
    assert "moves on by itself" in group.thread(1)[-1]["text"]
    (auto,) = events(group, EventKind.AUTO_ADVANCE)
    assert auto.due_at == datetime(2026, 11, 25, 13, 0, tzinfo=UTC), "4 working hours of grace: 14:00 in Paris"
    group.services.clock.set(auto.due_at)
    group.tick()
    eventually(lambda: group.step_message(2))
    assert session(group).step == 2
    assert "codev moved on" in group.thread(1)[-1]["text"]


def test_the_facilitator_acting_in_time_prevents_the_automatic_move(group: Group) -> None:
    start_async(group, "auto_advance")
    group.services.clock.set(session(group).timebox().deadline)
    group.tick()
    group.click(ALICE, ids.EXTEND, step=1)
    eventually(lambda: session(group).version == 2)
    later(group, hours=4)
    group.tick()
    assert session(group).step == 1


def test_everyone_done_closes_an_async_step_early(group: Group) -> None:
    start_async(group, "close_early")
    group.click(BOB, ids.DONE, step=1)
    eventually(lambda: group.step_message(2))
    # The note goes with the change (the same outbox), posted right after the new step.
    eventually(lambda: any("closes early" in m["text"] for m in group.thread(1)))


def test_quiet_consultants_get_one_nudge_at_mid_step_in_working_hours(group: Group) -> None:
    group.services.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # Tuesday 09:00 in Paris
    start_async(group, "nudges")
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))  # Clarification: one working day, mid-step 13:00 in Paris
    group.reply(CAROL, 2, "What did you try?")
    nudged = {e.user_id: e.due_at for e in events(group, EventKind.NUDGE) if e.state is EventState.PENDING}
    assert set(nudged) == {DAVE, FRANK}, "Carol replied; Erin, asleep in Toronto, gets her turn message instead"
    assert nudged[DAVE] == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # Brussels 13:00
    turns = {e.user_id: e.due_at for e in events(group, EventKind.TURN) if e.state is EventState.PENDING}
    assert turns[ERIN] == datetime(2026, 11, 24, 14, 0, tzinfo=UTC), "09:00 in Toronto"
    assert turns[BOB] == datetime(2026, 11, 24, 14, 0, tzinfo=UTC), "the client answers: 09:00 in Montreal"
    assert set(turns) == {ERIN, BOB}
    group.services.clock.set(datetime(2026, 11, 24, 12, 30, tzinfo=UTC))
    group.tick()
    dm = group.standin.messages(group.standin.dm_channel(DAVE))
    assert len(dm) == 1 and "Clarification" in dm[0]["text"] and "https://" in dm[0]["text"]
    assert group.standin.messages(group.standin.dm_channel(ERIN)) == []
    group.reply(ERIN, 2, "Who decides today?")
    assert (2, "turn", ERIN) not in pending(group), "a reply cancels her turn message"
    group.services.clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    group.tick()
    assert len(group.standin.messages(group.standin.dm_channel(DAVE))) == 1, "one nudge per step"
    assert not [m for m in group.thread(2) if f"<@{ERIN}>" in m["text"]], "Erin acted: no turn message"


def test_people_can_turn_nudges_off_and_set_their_quiet_hours(group: Group) -> None:
    assert "will not nudge" in group.slack.command(FRANK, "nudges off").json()["text"]
    body = group.slack.command(DAVE, "quiet 08:00-14:00 weekdays").json()
    assert "08:00 to 14:00" in body["text"]
    assert "like this" in group.slack.command(DAVE, "quiet whenever").json()["text"]
    group.services.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    start_async(group, "nudges")
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    nudged = {e.user_id: e.due_at for e in events(group, EventKind.NUDGE)}
    assert FRANK not in nudged
    # Dave keeps his mornings quiet until 14:00: he hears of Clarification then, once (a turn, not a nudge too).
    turns = {e.user_id: e.due_at for e in events(group, EventKind.TURN)}
    assert turns[DAVE] == datetime(2026, 11, 24, 13, 0, tzinfo=UTC) and DAVE not in nudged


def test_an_event_interrupted_mid_delivery_is_not_posted_twice(group: Group) -> None:
    group.start()
    later(group, minutes=8)
    reminder = events(group, EventKind.REMINDER)[0]
    timers = group.services.sessions.timers
    # A process claimed the reminder and posted it, then died before recording that it had.
    assert timers.claim(reminder.id, group.services.clock.now())
    message = {"text": "2 min left for Presentation.", "metadata": group.services.deliverer._tag(reminder)}
    group.services.publisher.post_in_thread(session(group), reminder.step, message)
    # Another event was claimed and died before posting anything.
    later(group, minutes=2)
    deadline = events(group, EventKind.DEADLINE)[0]
    assert timers.claim(deadline.id, group.services.clock.now())

    group.services.deliverer.recover()

    assert sum("left for Presentation" in m["text"] for m in group.thread(1)) == 1
    assert sum("Time's up" in m["text"] for m in group.thread(1)) == 1
    assert {e.kind: e.state for e in events(group)} == {
        EventKind.REMINDER: EventState.DONE,
        EventKind.DEADLINE: EventState.DONE,
    }


def test_an_event_whose_step_moved_on_is_dropped(group: Group) -> None:
    group.start()
    later(group, minutes=10)
    deadline = events(group, EventKind.DEADLINE)[0]
    timers = group.services.sessions.timers
    assert timers.claim(deadline.id, group.services.clock.now())  # claimed just before the facilitator moved on
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    group.services.deliverer.recover()
    assert [e.state for e in events(group, EventKind.DEADLINE) if e.step == 1] == [EventState.DROPPED]
    assert not any("Time's up" in m["text"] for m in group.thread(1))


def test_the_reminder_share_is_set_per_session(group: Group) -> None:
    view = group.open_start_modal()
    errors = group.submit_start(view, reminder="95").json()["errors"]
    assert "0 to 90" in errors["reminder"]
    group.submit_start(view, reminder="50")
    eventually(lambda: group.step_message(1))
    reminder = events(group, EventKind.REMINDER)[0]
    assert reminder.due_at == session(group).timebox().deadline - timedelta(minutes=5)


def test_no_reminder_when_the_share_is_zero(group: Group) -> None:
    view = group.open_start_modal()
    group.submit_start(view, reminder="0")
    eventually(lambda: group.step_message(1))
    assert pending(group) == {(1, "deadline", "")}


def test_after_a_downtime_a_stale_reminder_is_dropped_and_events_come_in_due_order(
    group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    group.start()  # reminder at 8 minutes, time's up at 10
    later(group, minutes=12)  # the process was down through both
    reminder, deadline = events(group, EventKind.REMINDER)[0], events(group, EventKind.DEADLINE)[0]
    timers = group.services.sessions.timers
    claimed: list[int] = []
    claim = timers.claim

    def recording_claim(event_id: int, now: datetime):  # type: ignore[no-untyped-def]
        found = claim(event_id, now)
        if found is not None:
            claimed.append(event_id)
        return found

    monkeypatch.setattr(timers, "claim", recording_claim)
    # The scheduler's threads fire both jobs at once; say the later one's runs first.
    group.services.deliverer.deliver(deadline.id)
    group.services.deliverer.deliver(reminder.id)
    assert claimed == [reminder.id, deadline.id], "the session's events are taken in the order they fell due"
    assert [m["text"] for m in group.thread(1)] == [":alarm_clock: Time's up for Presentation."]
    assert {e.kind: e.state for e in events(group)} == {
        EventKind.REMINDER: EventState.DROPPED,
        EventKind.DEADLINE: EventState.DONE,
    }


def test_still_to_speak_names_who_has_neither_replied_nor_said_they_are_done(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))  # Clarification: the consultants speak
    group.reply(CAROL, 2, "What did you try first?")  # replied, never clicked "I'm done"
    group.click(DAVE, ids.DONE, step=2)  # done without a word (nothing to ask)
    eventually(lambda: DAVE in session(group).done[2])
    group.reply(ERIN, 2, "Who else knows?")
    group.click(ERIN, ids.DONE, step=2)
    eventually(lambda: ERIN in session(group).done[2])
    group.services.clock.set(next(e.due_at for e in events(group, EventKind.REMINDER) if e.step == 2))
    assert group.tick() == 1
    reminder = [m["text"] for m in group.thread(2) if "left for Clarification" in m["text"]]
    assert len(reminder) == 1
    waiting = reminder[0].split("Still to speak:")[1]
    assert f"<@{FRANK}>" in waiting
    assert all(f"<@{u}>" not in waiting for u in (CAROL, DAVE, ERIN))
