"""Groups that last between sessions: a cadence with its kick-off, volunteers and pick; action follow-ups;
step durations of the group's own; members who leave the channel."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from sqlmodel import select

from bot.app import build_services
from bot.domain.steps import Step
from bot.domain.timers import EventState
from bot.services.tasks import TaskKind
from bot.slack import ids
from bot.storage.models import ActionItem, Kickoff, ScheduledTask
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually, settings_for

MEMBERS = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK]
EVERY_OTHER_TUESDAY = {"cadence": "2", "cadence_time": "10:00", "cadence_tz": "Europe/Paris"}


def create_group(group: Group, **values: object) -> Any:
    submitted = {v["id"] for v in group.standin.views_for(ALICE)}  # closed once submitted: wait for a new one
    confirmed = len(_saved_notes(group))
    group.slack.command(ALICE, "group")
    view = eventually(
        lambda: [v for v in group.standin.views_for(ALICE) if v["callback_id"] == "group" and v["id"] not in submitted]
    )[-1]
    reply = group.slack.submit(ALICE, view["id"], {"name": "Tuesday circle", "members": MEMBERS, **values})
    assert reply.status == 200 and not reply.body, reply.body
    eventually(lambda: len(_saved_notes(group)) > confirmed)  # the charters are sent or held by then
    return eventually(lambda: group.services.groups.of_channel(group.standin.team_id, group.channel))


def _saved_notes(group: Group) -> list[dict[str, Any]]:
    return [m for m in group.standin.messages(group.standin.dm_channel(ALICE)) if "saved with" in m["text"]]


def pending(group: Group, kind: TaskKind, subject_id: int) -> list[datetime]:
    return [task.due_at for task in group.services.tasks.tasks_of(kind, subject_id) if task.state is EventState.PENDING]


def kickoff_task(group: Group, group_id: int) -> int:
    """The group's pending kick-off (a charter held for someone's morning may be due before it)."""
    return next(
        t.id for t in group.services.tasks.tasks_of(TaskKind.KICKOFF, group_id) if t.state is EventState.PENDING
    )


def at(moment: datetime, group: Group) -> int:
    """The clock reaches `moment` and whatever fell due is delivered, as the scheduler would."""
    group.services.clock.advance(moment - group.services.clock.now())
    return group.tick()


def kickoff_message(group: Group) -> dict[str, Any]:
    return eventually(lambda: [m for m in group.messages() if "Who brings a challenge" in str(m.get("blocks"))])[-1]


# ---- cadence --------------------------------------------------------------------------------------------
def test_a_cadence_across_the_change_to_summer_time_keeps_ten_o_clock_in_paris(group: Group) -> None:
    saved = create_group(group, cadence_first="2027-03-16", **EVERY_OTHER_TUESDAY)
    # 10:00 in Paris is 09:00 UTC in winter…
    assert pending(group, TaskKind.KICKOFF, saved.id) == [datetime(2027, 3, 16, 9, 0, tzinfo=UTC)]
    eventually(lambda: "Next kick-off" in str(group.standin.messages(group.standin.dm_channel(ALICE))))
    # (Also due: the charter, held since November for Montreal and Toronto, where it was night.)
    assert at(datetime(2027, 3, 16, 9, 0, tzinfo=UTC), group) == 2
    assert "Tuesday circle" in str(kickoff_message(group)["blocks"])
    # …and 08:00 UTC two weeks later, after the clocks moved on 28 March: one date scheduled at a time.
    assert pending(group, TaskKind.KICKOFF, saved.id) == [datetime(2027, 3, 30, 8, 0, tzinfo=UTC)]


def test_a_cadence_needs_a_date_a_time_and_a_real_zone(group: Group) -> None:
    group.slack.command(ALICE, "group")
    view = group.modal(ALICE, "group")
    errors = group.slack.submit(
        ALICE,
        view["id"],
        {
            "name": "Circle",
            "members": MEMBERS,
            "cadence": "1",
            "cadence_first": "2020-01-07",
            "cadence_time": None,
            "cadence_tz": "Mars/Olympus",
        },
    ).json()["errors"]
    assert set(errors) == {"cadence_first", "cadence_time", "cadence_tz"}
    assert "Mars/Olympus" in errors["cadence_tz"]
    # Removing the cadence later cancels the kick-off that was planned.
    saved = create_group(group, cadence_first="2026-12-01", **EVERY_OTHER_TUESDAY)
    assert pending(group, TaskKind.KICKOFF, saved.id)
    create_group(group, cadence="0")
    eventually(lambda: pending(group, TaskKind.KICKOFF, saved.id) == [])


# ---- kick-off, volunteers, pick, start ------------------------------------------------------------------
def test_volunteers_are_listed_the_facilitator_picks_one_and_starts_the_session(group: Group) -> None:
    saved = create_group(group, cadence_first="2026-12-01", **EVERY_OTHER_TUESDAY)
    at(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), group)
    kickoff = kickoff_message(group)
    assert "@Bob facilitates" in str(kickoff["blocks"])  # whose turn it is, by rotation (named: 04:00 in Montreal)

    group.slack.click(CAROL, ids.KICKOFF_VOLUNTEER, channel_id=group.channel)  # nothing typed
    eventually(lambda: any("in one line" in note for note in group.private_notes()))
    group.slack.click(
        CAROL,
        ids.KICKOFF_VOLUNTEER,
        channel_id=group.channel,
        typed={ids.KICKOFF_TOPIC: "Saying no to my director <!channel>"},
    )
    group.slack.click(
        DAVE, ids.KICKOFF_VOLUNTEER, channel_id=group.channel, typed={ids.KICKOFF_TOPIC: "Hiring my first report"}
    )
    listed = eventually(
        lambda: (
            f"<@{DAVE}> — Hiring my first report" in str(kickoff_message(group)["blocks"]) and kickoff_message(group)
        )
    )
    assert "&lt;!channel&gt;" in str(listed["blocks"])  # typed text cannot ping the channel

    group.slack.click(CAROL, ids.KICKOFF_PICK, channel_id=group.channel, value=f"{_kickoff_id(listed)}:{CAROL}")
    eventually(lambda: any(f"Only <@{BOB}>" in note for note in group.private_notes()))
    group.slack.click(BOB, ids.KICKOFF_PICK, channel_id=group.channel, value=f"{_kickoff_id(listed)}:{DAVE}")
    eventually(lambda: "picked" in str(kickoff_message(group)["blocks"]))

    group.slack.click(BOB, ids.KICKOFF_START, channel_id=group.channel)
    view = group.modal(BOB, "start_session")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["topic"]["element"]["initial_value"] == "Hiring my first report"
    assert blocks["client"]["element"]["initial_user"] == DAVE
    assert blocks["facilitator"]["element"]["initial_user"] == BOB
    assert set(blocks["consultants"]["element"]["initial_users"]) == {ALICE, CAROL, ERIN, FRANK}
    assert not group.slack.submit(BOB, view["id"], {}).body
    eventually(lambda: group.step_message(1))
    eventually(lambda: "The session has started" in str(kickoff_message(group)["blocks"]))

    # A late volunteer, by an old button: told plainly; and nobody is asked privately at the deadline.
    payload = group.slack.click_payload(
        ERIN, ids.KICKOFF_VOLUNTEER, channel_id=group.channel, message_ts=kickoff["ts"], value=str(_kickoff_id(listed))
    )
    group.slack.post_payload(payload)
    eventually(lambda: any("already led to a session" in note for note in group.private_notes()))
    at(datetime(2026, 12, 1, 10, 0, tzinfo=UTC), group)
    assert not [m for m in group.standin.messages(group.standin.dm_channel(BOB)) if "Nobody" in m["text"]]
    assert pending(group, TaskKind.KICKOFF, saved.id) == [datetime(2026, 12, 15, 9, 0, tzinfo=UTC)]


def test_with_no_volunteer_by_the_deadline_the_facilitator_is_asked_privately(group: Group) -> None:
    create_group(group, cadence_first="2026-12-01", **EVERY_OTHER_TUESDAY)
    at(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), group)
    kickoff_message(group)
    at(datetime(2026, 12, 1, 9, 15, tzinfo=UTC), group)  # a live group waits 15 minutes…
    dm = group.standin.dm_channel(BOB)
    assert not [m for m in group.standin.messages(dm) if "Nobody has volunteered" in m["text"]]
    at(datetime(2026, 12, 1, 14, 0, tzinfo=UTC), group)  # …and Bob is asked when his day starts in Montreal
    ask = eventually(lambda: [m for m in group.standin.messages(dm) if "Nobody has volunteered" in m["text"]])[0]
    assert f"<@{ALICE}>'s turn" in str(ask["blocks"]) and "Alice's turn" in ask["text"], "its notification: names"
    group.slack.click(BOB, ids.KICKOFF_START, channel_id=dm)
    view = group.modal(BOB, "start_session")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["client"]["element"]["initial_user"] == ALICE
    assert group.slack.click(CAROL, ids.KICKOFF_START, channel_id=dm).status == 200  # not hers to start
    eventually(lambda: any(f"Only <@{BOB}>" in note for note in group.private_notes()))


def _kickoff_id(message: dict[str, Any]) -> int:
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == ids.KICKOFF_VOLUNTEER:
                return int(element["value"])
    raise LookupError("no kick-off button")


# ---- the group's own durations --------------------------------------------------------------------------
def test_the_group_s_step_durations_fill_the_start_modal(group: Group) -> None:
    group.slack.command(ALICE, "group")
    view = group.modal(ALICE, "group")
    errors = group.slack.submit(
        ALICE, view["id"], {"name": "Circle", "members": MEMBERS, "durations": "10 15 five"}
    ).json()["errors"]
    assert "six whole numbers" in errors["durations"]
    create_group(group, durations="12, 20, 8, 30, 15, 10")
    modal = group.open_start_modal(CAROL)
    durations = [
        b["element"]["initial_value"] for b in modal["blocks"] if b.get("block_id", "").startswith("duration_live_")
    ]
    assert durations == ["12", "20", "8", "30", "15", "10"]
    # Switching to async shows the method's async defaults; the group's are for its own pace.
    group.slack.choose(CAROL, modal["id"], ids.START_PACE, "async")
    eventually(
        lambda: any(
            b.get("block_id") == "duration_async_presentation" for b in group.standin.view(modal["id"])["blocks"]
        )
    )


# ---- action follow-ups ----------------------------------------------------------------------------------
def _session_with_actions(group: Group, topic: str, actions: list[tuple[str, str]]) -> int:
    """Bob is the client; his synthesis names actions with due dates; the session ends."""
    group.start(topic, facilitator=ALICE)
    session_id = group.services.sessions.running_in(group.standin.team_id, group.channel)[0].id
    for step in range(1, 5):
        group.click(ALICE, ids.NEXT, step=step)
        eventually(lambda s=step: group.step_message(s + 1) and group.current_step() == s + 1)
    group.click(BOB, ids.SYNTHESIS_OPEN, step=5)
    view = group.modal(BOB, "synthesis")
    values: dict[str, Any] = {"keep": "What helps"}
    for n, (text, due) in enumerate(actions, start=1):
        values[f"action_{n}"], values[f"due_{n}"] = text, due
    assert not group.slack.submit(BOB, view["id"], values).body
    eventually(lambda: len(group.services.sessions.get(group.standin.team_id, session_id).actions) == len(actions))
    group.click(ALICE, ids.END, step=5)
    eventually(lambda: not group.services.sessions.running_in(group.standin.team_id, group.channel))
    return session_id


def _follow_ups(group: Group) -> list[dict[str, Any]]:
    return [m for m in group.standin.messages(group.standin.dm_channel(BOB)) if m["text"].startswith("How did")]


def test_a_follow_up_waits_for_the_owner_s_working_hours_and_the_outcome_is_kept(group: Group) -> None:
    create_group(group)
    # Bob (Montreal) keeps his mornings quiet: no follow-up before 13:00 his time.
    assert "13:00" in group.slack.command(BOB, "quiet 08:00-13:00").json()["text"]
    _session_with_actions(
        group, "Handing over my team", [("Name a deputy", "2026-12-02"), ("Write it down", "2026-12-02")]
    )
    at(datetime(2026, 12, 2, 15, 0, tzinfo=UTC), group)  # 10:00 in Montreal: quiet
    assert _follow_ups(group) == []
    at(datetime(2026, 12, 2, 18, 0, tzinfo=UTC), group)  # 13:00 in Montreal
    asked = eventually(lambda: len(_follow_ups(group)) == 2 and _follow_ups(group))
    assert {m["text"] for m in asked} == {"How did “Name a deputy” go?", "How did “Write it down” go?"}

    deputy = next(m for m in asked if "deputy" in m["text"])
    dm = group.standin.dm_channel(BOB)
    group.slack.click(BOB, ids.FOLLOW_UP_POSTPONED, channel_id=dm, message_ts=deputy["ts"])
    modal = group.modal(BOB, ids.FOLLOW_UP_VIEW)
    assert "today or later" in group.slack.submit(BOB, modal["id"], {}).json()["errors"]["due"]
    assert not group.slack.submit(BOB, modal["id"], {"due": "2026-12-09", "note": "Waiting for the budget"}).body
    # The new date reads in Bob's own words and zone ("Dec 9, 2026", "tomorrow"); 2026-12-09 where Slack cannot.
    eventually(lambda: "postponed to <!date^" in group.standin.message(dm, deputy["ts"])["text"])
    assert "|Dec 9, 2026>" in group.standin.message(dm, deputy["ts"])["text"]  # the fallback, as the reader writes it
    # Asked again on the new date, within his hours.
    deputy_action = int(deputy["blocks"][-1]["elements"][0]["value"])
    assert pending(group, TaskKind.FOLLOW_UP, deputy_action) == [datetime(2026, 12, 9, 18, 0, tzinfo=UTC)]

    written = next(m for m in asked if "Write" in m["text"])
    opened = len(group.standin.views_for(BOB))
    group.slack.click(BOB, ids.FOLLOW_UP_DONE, channel_id=dm, message_ts=written["ts"])
    eventually(lambda: len(group.standin.views_for(BOB)) > opened)  # the new modal, not the one submitted
    modal = group.modal(BOB, ids.FOLLOW_UP_VIEW)
    assert not group.slack.submit(BOB, modal["id"], {"note": "The team has it", "share": ["share"]}).body
    eventually(lambda: "Shared with the group" in group.standin.message(dm, written["ts"])["text"])
    group.slack.open_home(BOB)
    eventually(lambda: "Write it down — *done* — The team has it" in str(group.standin.home_views[BOB]["blocks"]))

    # Only Bob answers his follow-ups.
    group.slack.post_payload(
        group.slack.click_payload(
            CAROL, ids.FOLLOW_UP_DONE, channel_id=dm, message_ts=written["ts"], value=str(deputy_action)
        )
    )
    eventually(lambda: any("not yours" in note for note in group.private_notes()))


def test_the_next_session_opens_with_what_the_last_client_chose_to_share(group: Group) -> None:
    create_group(group)
    _session_with_actions(
        group, "Handing over my team", [("Name a deputy", "2026-11-26"), ("Write it down", "2026-11-26")]
    )
    at(datetime(2026, 11, 26, 15, 0, tzinfo=UTC), group)
    dm = group.standin.dm_channel(BOB)
    asked = eventually(lambda: len(_follow_ups(group)) == 2 and _follow_ups(group))
    for message, share in ((asked[0], []), (asked[1], ["share"])):
        opened = len(group.standin.views_for(BOB))
        group.slack.click(
            BOB, ids.FOLLOW_UP_DROPPED if not share else ids.FOLLOW_UP_DONE, channel_id=dm, message_ts=message["ts"]
        )
        # The modal this click opens (the first one was submitted: Slack closed it).
        eventually(lambda n=opened: len(group.standin.views_for(BOB)) > n)
        modal = group.modal(BOB, ids.FOLLOW_UP_VIEW)
        assert not group.slack.submit(BOB, modal["id"], {"note": f"note {len(share)}", "share": share}).body
        eventually(lambda m=message: "Noted" in group.standin.message(dm, m["ts"])["text"])
    shared_text, private_text = asked[1]["text"], asked[0]["text"]

    view = group.open_start_modal(CAROL, "Second case")
    assert not group.slack.submit(CAROL, view["id"], {}).body
    second = eventually(lambda: group.services.sessions.running_in(group.standin.team_id, group.channel))[0]
    presentation = eventually(
        lambda: group.services.sessions.get(group.standin.team_id, second.id).steps[Step.PRESENTATION].message_ts
    )
    first = eventually(
        lambda: [m for m in group.standin.thread(group.channel, presentation) if "Since last time" in m["text"]]
    )[0]
    assert _quoted(shared_text) in first["text"] and "note 1" in first["text"]
    assert _quoted(private_text) not in first["text"], "an outcome not shared stays private"


def _quoted(follow_up_text: str) -> str:
    return follow_up_text.split("“")[1].split("”")[0]


# ---- people come and go ---------------------------------------------------------------------------------
def test_members_who_leave_the_channel_are_skipped_until_they_come_back(group: Group) -> None:
    create_group(group)
    group.slack.event(
        {
            "type": "member_left_channel",
            "user": ALICE,
            "channel": group.channel,
            "channel_type": "G",
            "team": group.standin.team_id,
        }
    )
    eventually(
        lambda: (
            ALICE
            not in group.services.groups.present_members(
                group.services.groups.of_channel(group.standin.team_id, group.channel)
            )
        )
    )
    view = group.open_start_modal(CAROL)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert ALICE not in [
        blocks["client"]["element"]["initial_user"],
        blocks["facilitator"]["element"]["initial_user"],
        *blocks["consultants"]["element"]["initial_users"],
    ]
    group.slack.event(
        {
            "type": "member_joined_channel",
            "user": ALICE,
            "channel": group.channel,
            "channel_type": "G",
            "team": group.standin.team_id,
        }
    )
    eventually(
        lambda: (
            ALICE
            in group.services.groups.present_members(
                group.services.groups.of_channel(group.standin.team_id, group.channel)
            )
        )
    )


def test_a_consultant_who_left_the_channel_is_not_nudged(group: Group) -> None:
    group.slack.event(
        {
            "type": "member_left_channel",
            "user": CAROL,
            "channel": group.channel,
            "channel_type": "G",
            "team": group.standin.team_id,
        }
    )
    view = group.open_start_modal()
    group.slack.choose(ALICE, view["id"], ids.START_PACE, "async", {"client": BOB})
    eventually(lambda: "timekeeping" in str(group.standin.views[view["id"]]["blocks"]))
    assert not group.slack.submit(
        ALICE, view["id"], {"consultants": [CAROL, DAVE, ERIN, FRANK], "timekeeping": ["nudges"]}
    ).body
    eventually(lambda: group.step_message(1))
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.current_step() == 2)
    session_id = group.services.sessions.running_in(group.standin.team_id, group.channel)[0].id
    pending = [
        e
        for e in group.services.sessions.timers.events_of(group.standin.team_id, session_id)
        if e.state is EventState.PENDING
    ]
    assert {e.user_id for e in pending if e.kind.value == "nudge"} == {DAVE, FRANK}
    # Erin, at 04:00 in Toronto, hears of Clarification when her day starts (a turn message, not a nudge too),
    # and so does Bob in Montreal, the client who answers the questions; Carol, who left, neither.
    assert {e.user_id for e in pending if e.kind.value == "turn"} == {ERIN, BOB}


def test_group_stats_tell_the_rhythm_and_the_next_kick_off(group: Group) -> None:
    create_group(group, cadence_first="2026-12-01", **EVERY_OTHER_TUESDAY)
    text = group.slack.command(CAROL, "group stats").json()["text"]
    assert "every other Tuesday at 10:00 (Europe/Paris)" in text and "<!date^1796115600^" in text


def test_a_kick_off_interrupted_after_posting_is_not_posted_twice(group: Group) -> None:
    saved = create_group(group, cadence_first="2026-12-01", **EVERY_OTHER_TUESDAY)
    group.services.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    task_id = kickoff_task(group, saved.id)
    group.services.task_deliverer.deliver(task_id)
    kickoff_message(group)
    # As if the process died between posting and recording it: the task is still "firing", the kick-off
    # does not know its message.
    with group.services.db.session() as session:
        task = session.get(ScheduledTask, task_id)
        task.state, task.message_ts = "firing", None
        session.add(task)
        for kickoff in session.exec(select(Kickoff)).all():
            kickoff.message_ts = None
            session.add(kickoff)
    group.services.task_deliverer.recover(None)
    kickoffs = [m for m in group.messages() if "Who brings a challenge" in str(m.get("blocks"))]
    assert len(kickoffs) == 1
    assert [t.state for t in group.services.tasks.tasks_of(TaskKind.KICKOFF, saved.id)][-2:] == [
        EventState.DONE,
        EventState.PENDING,
    ]


def test_volunteers_waiting_remind_the_facilitator_and_an_unanswered_call_lapses_at_the_next(group: Group) -> None:
    create_group(group, cadence_first="2026-12-01", cadence="1", cadence_time="10:00", cadence_tz="Europe/Paris")
    at(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), group)
    first = kickoff_message(group)
    group.slack.click(CAROL, ids.KICKOFF_VOLUNTEER, channel_id=group.channel, typed={ids.KICKOFF_TOPIC: "My case"})
    eventually(lambda: "My case" in str(kickoff_message(group)["blocks"]))
    at(datetime(2026, 12, 1, 14, 0, tzinfo=UTC), group)  # Bob's morning in Montreal
    dm = group.standin.dm_channel(BOB)
    eventually(lambda: [m for m in group.standin.messages(dm) if "Carol volunteered" in m["text"]])
    # Nobody started it; a week later the new call closes the old one.
    at(datetime(2026, 12, 8, 9, 0, tzinfo=UTC), group)
    eventually(lambda: "has closed" in str(group.standin.message(group.channel, first["ts"])["blocks"]))
    payload = group.slack.click_payload(
        DAVE, ids.KICKOFF_VOLUNTEER, channel_id=group.channel, message_ts=first["ts"], value=str(_kickoff_id(first))
    )
    group.slack.post_payload(payload)
    eventually(lambda: any("has closed" in note for note in group.private_notes()))
    assert len([m for m in group.messages() if "Who brings a challenge" in str(m.get("blocks"))]) == 2


def test_a_session_started_by_hand_answers_the_open_kick_off(group: Group) -> None:
    create_group(group, cadence_first="2026-12-01", **EVERY_OTHER_TUESDAY)
    at(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), group)
    kickoff_message(group)
    view = group.open_start_modal(CAROL, "Decided at the coffee machine")
    assert not group.slack.submit(CAROL, view["id"], {}).body
    eventually(lambda: "The session has started" in str(kickoff_message(group)["blocks"]))
    at(datetime(2026, 12, 1, 9, 30, tzinfo=UTC), group)
    assert not [m for m in group.standin.messages(group.standin.dm_channel(BOB)) if "Nobody" in m["text"]]


def test_editing_a_group_later_keeps_its_rhythm_without_retyping_a_date(group: Group) -> None:
    saved = create_group(group, cadence_first="2026-12-01", **EVERY_OTHER_TUESDAY)
    at(datetime(2026, 12, 20, 9, 0, tzinfo=UTC), group)  # the first date is long past
    group.slack.command(ALICE, "group")
    view = eventually(lambda: [v for v in group.standin.views_for(ALICE) if v["callback_id"] == "group"][1])
    first = next(b for b in view["blocks"] if b.get("block_id") == "cadence_first")
    assert first["element"]["initial_date"] == "2026-12-29"  # the next Tuesday of the rhythm
    assert not group.slack.submit(ALICE, view["id"], {"charter": "Same rhythm, new words"}).body
    eventually(lambda: pending(group, TaskKind.KICKOFF, saved.id) == [datetime(2026, 12, 29, 9, 0, tzinfo=UTC)])


def test_after_downtime_only_one_late_kick_off_is_posted(group: Group) -> None:
    saved = create_group(
        group, cadence_first="2026-12-01", cadence="1", cadence_time="10:00", cadence_tz="Europe/Paris"
    )
    group.services.clock.set(datetime(2026, 12, 24, 12, 0, tzinfo=UTC))  # down for three weeks
    # The kick-off, and the charter held since November for Montreal and Toronto (07:00 there: held again).
    assert group.tick() == 2 and group.tick() == 0
    assert len([m for m in group.messages() if "Who brings a challenge" in str(m.get("blocks"))]) == 1
    assert pending(group, TaskKind.KICKOFF, saved.id) == [datetime(2026, 12, 29, 9, 0, tzinfo=UTC)]


def test_a_deactivation_is_seen_at_once_and_the_person_is_skipped(group: Group) -> None:
    saved = create_group(group)
    group.slack.event(
        {
            "type": "user_change",
            "user": {
                "id": ALICE,
                "team_id": group.standin.team_id,
                "name": "alice",
                "real_name": "Alice",
                "deleted": True,
                "tz": "Europe/Paris",
            },
        }
    )
    eventually(lambda: ALICE not in group.services.groups.present_members(saved))
    assert ALICE not in group.services.groups.next_turn(saved).consultant_ids


def test_a_kick_off_in_a_channel_codev_was_removed_from_is_reported_to_the_group_s_creator(group: Group) -> None:
    saved = create_group(group, cadence_first="2026-12-01", **EVERY_OTHER_TUESDAY)
    group.standin.remove_bot_from(group.channel)
    at(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), group)
    told = eventually(
        lambda: [m for m in group.standin.messages(group.standin.dm_channel(ALICE)) if "could not post" in m["text"]]
    )
    assert "/invite @codev" in told[0]["text"]
    assert pending(group, TaskKind.KICKOFF, saved.id) == [datetime(2026, 12, 15, 9, 0, tzinfo=UTC)]
    assert group.services.tasks.tasks_of(TaskKind.KICKOFF, saved.id)[0].state is EventState.DROPPED


def test_forget_me_blanks_follow_up_notes_and_stops_the_follow_ups(group: Group) -> None:
    create_group(group)
    _session_with_actions(
        group, "Handing over my team", [("Name a deputy", "2026-11-26"), ("Write it down", "2026-12-10")]
    )
    at(datetime(2026, 11, 26, 15, 0, tzinfo=UTC), group)
    asked = eventually(lambda: _follow_ups(group))[0]
    dm = group.standin.dm_channel(BOB)
    group.slack.click(BOB, ids.FOLLOW_UP_DONE, channel_id=dm, message_ts=asked["ts"])
    modal = group.modal(BOB, ids.FOLLOW_UP_VIEW)
    assert not group.slack.submit(BOB, modal["id"], {"note": "Personal detail", "share": ["share"]}).body
    eventually(lambda: "Noted" in group.standin.message(dm, asked["ts"])["text"])

    group.slack.post_payload(
        group.slack.click_payload(BOB, ids.FORGET_ME, channel_id=dm, message_ts="1.0", value="forget")
    )

    def outcomes() -> list[tuple[str | None, bool]]:
        with group.services.db.session() as session:
            return [(a.outcome_note, a.outcome_shared) for a in session.exec(select(ActionItem)).all()]

    eventually(lambda: outcomes() == [(None, False), (None, False)])
    written = group.services.sessions.get(group.standin.team_id, 1).actions[1]  # "Write it down", now "[deleted]"
    assert written.text == "[deleted]"
    assert pending(group, TaskKind.FOLLOW_UP, written.id) == []


def test_two_processes_racing_for_the_same_kick_off_post_it_once(group: Group) -> None:
    saved = create_group(group, cadence_first="2026-12-01", **EVERY_OTHER_TUESDAY)
    group.services.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    other = build_services(
        settings_for(group.standin, group.services.db.url), clock=group.services.clock, db=group.services.db
    )
    try:
        task_id = kickoff_task(group, saved.id)
        racers = [
            threading.Thread(target=services.task_deliverer.deliver, args=(task_id,))
            for services in (group.services, other)
            for _ in range(3)
        ]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(timeout=30)
    finally:
        other.shut_down()
    assert len([m for m in group.messages() if "Who brings a challenge" in str(m.get("blocks"))]) == 1


def test_home_lists_my_groups_with_their_next_kick_off_and_my_time_away(group: Group) -> None:
    create_group(group, cadence_first="2026-12-01", **EVERY_OTHER_TUESDAY)
    group.slack.command(CAROL, "away 2026-12-24")
    group.slack.open_home(CAROL)
    home = eventually(
        lambda: (
            "Your groups" in str(group.standin.home_views[CAROL]["blocks"])
            and str(group.standin.home_views[CAROL]["blocks"])
        )
    )
    assert f"Tuesday circle in <#{group.channel}> — next kick-off <!date^1796115600^" in home
    assert "away until Dec 24, 2026" in home
