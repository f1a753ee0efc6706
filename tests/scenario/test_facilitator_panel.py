"""The right people at each turn, and a quiet facilitator panel: participants see only what they may do, the
facilitator's controls sit behind one "Facilitator" menu, and notifications read names."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.domain.session import Status
from bot.domain.timers import EventKind, EventState
from bot.sandbox.driver import NothingSent
from bot.slack import ids
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually

EVERYONE = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK]
PARTICIPANT_BUTTONS = {ids.DONE, ids.CONTRACT_OPEN, ids.SYNTHESIS_OPEN}


def session(group: Group):  # type: ignore[no-untyped-def]
    return group.services.sessions.get(group.standin.team_id, 1)


def elements(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]


def mentioned(message: dict[str, Any]) -> set[str]:
    return set(re.findall(r"<@(U\w+)>", str(message["blocks"])))


def option(menu: dict[str, Any], action_id: str) -> dict[str, Any]:
    return next(o for o in menu["options"] if o["value"].startswith(action_id + "|"))


def pick_payload(group: Group, user_id: str, step: int, picked: dict[str, Any]) -> dict[str, Any]:
    """What Slack sends when someone picks an option in a step message's Facilitator menu (built by hand, for
    an option that may no longer be on screen: a stale menu in someone's client)."""
    message = group.step_message(step)
    assert message is not None
    payload = group.slack.click_payload(
        user_id, ids.FACILITATOR_MENU, channel_id=group.channel, message_ts=message["ts"], value=""
    )
    payload["actions"] = [
        {
            "type": "static_select",
            "action_id": ids.FACILITATOR_MENU,
            "block_id": "step_people.1.0",
            "selected_option": picked,
            "placeholder": {"type": "plain_text", "text": "Facilitator"},
            "action_ts": "1.000001",
        }
    ]
    return payload


def advance_to(group: Group, step: int) -> dict[str, Any]:
    for current in range(1, step):
        group.click(ALICE, ids.NEXT, step=current)
        eventually(lambda n=current + 1: group.step_message(n))
    message = group.step_message(step)
    assert message is not None
    return message


def write_contract(group: Group) -> None:
    group.click(BOB, ids.CONTRACT_OPEN, step=3)
    view = group.modal(BOB, ids.CONTRACT_VIEW)
    reply = group.slack.submit(BOB, view["id"], {"need": "A plan for the handover", "expectations": "Experiences"})
    assert reply.status == 200 and not reply.body
    eventually(lambda: any("contract" in m["text"] for m in group.thread(3)))


def test_participants_see_only_their_own_buttons_and_one_facilitator_menu_on_every_step(group: Group) -> None:
    group.start()
    for step in range(1, 7):
        message = eventually(lambda n=step: group.step_message(n))
        found = elements(message)
        buttons = [e for e in found if e["type"] == "button"]
        menus = [e for e in found if e["type"] != "button"]
        assert {b["action_id"] for b in buttons} <= PARTICIPANT_BUTTONS, f"step {step}: no facilitator button"
        assert len([b for b in buttons if b.get("style") == "primary"]) <= 1, f"step {step}: one primary at most"
        (menu,) = menus
        assert menu["type"] == "static_select" and menu["action_id"] == ids.FACILITATOR_MENU
        assert menu["placeholder"]["text"] == "Facilitator"
        controls = [o["value"].partition("|")[0] for o in menu["options"]]
        assert controls == [ids.NEXT, ids.EXTEND, ids.PAUSE, ids.HANDOVER, ids.EDIT, ids.END]
        assert all(len(o["text"]["text"]) <= 75 and len(o["value"]) <= 150 for o in menu["options"])
        if step == 3:
            assert [b["action_id"] for b in buttons] == [ids.CONTRACT_OPEN, ids.DONE]
        if step == 5:
            assert [b["action_id"] for b in buttons] == [ids.SYNTHESIS_OPEN, ids.DONE]
        if step == 6:
            assert option(menu, ids.NEXT)["text"]["text"] == "Finish the session"
        if step < 6:
            group.click(ALICE, ids.NEXT, step=step)


def test_the_facilitator_picks_next_in_the_menu_and_the_step_advances(group: Group) -> None:
    group.start()
    menu = group.facilitator_menu(1)
    reply = group.pick(ALICE, 1, option(menu, ids.NEXT)["value"])
    assert reply.status == 200 and not reply.body
    eventually(lambda: group.step_message(2))
    assert group.current_step() == 2
    closed = eventually(lambda: "Closed" in str(group.step_message(1)["blocks"]) and group.step_message(1))
    assert not elements(closed), "a closed step has no controls left"


def test_a_participant_who_picks_next_is_told_kindly_and_nothing_changes(group: Group) -> None:
    group.start()
    version = session(group).version
    group.pick(CAROL, 1, option(group.facilitator_menu(1), ids.NEXT)["value"])
    eventually(lambda: any("Only the facilitator" in n for n in group.private_notes()))
    assert session(group).version == version and group.current_step() == 1
    group.pick(BOB, 1, option(group.facilitator_menu(1), ids.END)["value"])
    eventually(lambda: len([n for n in group.private_notes() if "Only the facilitator" in n]) == 2)
    assert not any("End the session for everyone" in n for n in group.private_notes()), "no confirmation for Bob"
    assert session(group).status is Status.RUNNING


def test_a_stale_or_double_pick_is_refused(group: Group) -> None:
    group.start()
    old_menu = group.facilitator_menu(1)
    deadline = session(group).timebox().deadline
    group.pick(ALICE, 1, option(old_menu, ids.EXTEND)["value"])
    eventually(lambda: session(group).timebox().deadline == deadline + timedelta(minutes=5))
    eventually(lambda: group.facilitator_menu(1) != old_menu)  # the message shows the new version
    # The same pick again, from a client that still shows the old menu: refused, not extended twice.
    assert group.slack.post_payload(pick_payload(group, ALICE, 1, option(old_menu, ids.EXTEND))).status == 200
    eventually(lambda: any("changed since" in n for n in group.private_notes()))
    assert session(group).timebox().deadline == deadline + timedelta(minutes=5)
    # Next from the old menu: the version is old too, nothing moves.
    group.slack.post_payload(pick_payload(group, ALICE, 1, option(old_menu, ids.NEXT)))
    eventually(lambda: len([n for n in group.private_notes() if "changed since" in n]) == 2)
    assert group.current_step() == 1
    # A pick from step 1's menu after the session moved on: the step is over.
    current = group.facilitator_menu(1)
    group.pick(ALICE, 1, option(current, ids.NEXT)["value"])
    eventually(lambda: group.step_message(2))
    group.slack.post_payload(pick_payload(group, ALICE, 1, option(current, ids.NEXT)))
    eventually(lambda: any("moved on" in n for n in group.private_notes()))
    assert group.current_step() == 2 and group.step_message(3) is None


def test_forged_picks_get_a_clean_answer(group: Group) -> None:
    group.start()
    version = session(group).version
    for value in ("step_next|999:1:1", "nonsense", "step_next|1:9:1", "chat_delete|1:1:1", "step_next|1:1:x", ""):
        payload = pick_payload(group, ALICE, 1, {"text": {"type": "plain_text", "text": "x"}, "value": value})
        assert group.slack.post_payload(payload).status == 200
    eventually(lambda: len(group.standin.responses) >= 6)
    assert session(group).version == version and group.current_step() == 1


def test_end_in_the_menu_asks_privately_first_and_its_button_ends_the_session(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.END, step=1, confirm=False)
    eventually(lambda: any("End the session for everyone" in n for n in group.private_notes()))
    assert session(group).status is Status.RUNNING, "nothing ends before the facilitator confirms"
    # (The step's message, its menu back to its label, is redrawn through the same response_url: not this one.)
    private = [r for r in group.standin.responses if r.get("response_type") == "ephemeral"]
    confirmation = [r for r in private if ids.END in str(r.get("blocks"))][-1]
    assert not confirmation.get("replace_original")
    button, cancel = [e for b in confirmation["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["style"] == "danger" and cancel["action_id"] == ids.END_CANCEL and "style" not in cancel
    group.slack.click_in_response(CAROL, ids.END)  # someone else's click on it (forwarded, forged): refused
    eventually(lambda: any("Only the facilitator" in n for n in group.private_notes()))
    assert session(group).status is Status.RUNNING
    group.slack.click_in_response(ALICE, ids.END)
    eventually(lambda: session(group).status is Status.ENDED)
    assert eventually(lambda: group.standin.responses[-1].get("delete_original")), "the confirmation goes away"


def test_hand_over_and_edit_open_their_modals_from_the_menu(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.HANDOVER, step=1)
    view = group.modal(ALICE, ids.HANDOVER_VIEW)
    assert group.slack.submit(ALICE, view["id"], {"to": CAROL}).status == 200
    eventually(lambda: session(group).facilitator_id == CAROL)
    version = f":{session(group).version}"
    eventually(lambda: option(group.facilitator_menu(1), ids.EDIT)["value"].endswith(version))  # shown anew
    group.click(CAROL, ids.EDIT, step=1)
    assert group.modal(CAROL, ids.EDIT_VIEW)


def test_pause_turns_into_resume_in_the_menu(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.PAUSE, step=1)
    eventually(lambda: session(group).status is Status.PAUSED)
    menu = eventually(lambda: group.facilitator_menu(1) if "Resume" in str(group.facilitator_menu(1)) else None)
    assert ids.PAUSE + "|" not in str(menu) and ids.RESUME + "|" in str(menu)
    group.click(ALICE, ids.RESUME, step=1)
    eventually(lambda: session(group).status is Status.RUNNING)


def test_learning_mentions_everyone_and_counts_the_facilitators_own_done(group: Group) -> None:
    group.start()
    learning = advance_to(group, 6)
    assert mentioned(learning) >= set(EVERYONE), "client, consultants and facilitator are all called"
    assert all(name in learning["text"] for name in ("Alice", "Bob", "Carol", "Dave", "Erin", "Frank"))
    assert "Done: 0/6" in str(learning["blocks"])
    group.click(ALICE, ids.DONE, step=6)  # the facilitator says what they take away too
    eventually(lambda: "Done: 1/6" in str(group.step_message(6)["blocks"]))
    assert not any("for those who speak" in n for n in group.private_notes())
    for person in (BOB, CAROL, DAVE, ERIN, FRANK):
        group.click(person, ids.DONE, step=6)
    eventually(lambda: "Done: 6/6" in str(group.step_message(6)["blocks"]))
    eventually(lambda: any("Everyone expected" in e["text"] for e in group.standin.ephemerals_for(ALICE)))


def test_clarification_is_a_dialogue_the_client_is_called_and_counted(group: Group) -> None:
    group.start()
    clarification = advance_to(group, 2)
    assert mentioned(clarification) >= {BOB, CAROL, DAVE, ERIN, FRANK}
    turn = str(clarification["blocks"])
    assert f"Consultants ask neutral questions; <@{BOB}> answers." in turn, "who asks and who answers"
    assert f"*Your turn:* <@{CAROL}>, <@{DAVE}>, <@{ERIN}>, <@{FRANK}>, <@{BOB}>" in turn
    assert "Consultants ask neutral questions; Bob answers." in clarification["text"]
    assert "Done: 0/5" in str(clarification["blocks"])
    group.click(BOB, ids.DONE, step=2)
    eventually(lambda: "Done: 1/5" in str(group.step_message(2)["blocks"]))
    consultation = advance_to_next(group, 2)
    assert f"Consultants share ideas; <@{BOB}> listens and takes notes." in str(consultation["blocks"])
    assert "Done: 0/4" in str(consultation["blocks"]), "Consultation is the consultants' turn"


def advance_to_next(group: Group, step: int) -> dict[str, Any]:
    """Move on from `step` (writing the contract on the way when it is the Contract step)."""
    while True:
        if step == 3:
            write_contract(group)
        group.click(ALICE, ids.NEXT, step=step)
        step += 1
        message = eventually(lambda n=step: group.step_message(n))
        if step == 4:
            return message


def test_fallback_texts_read_names_never_ids(group: Group) -> None:
    group.start()
    advance_to(group, 3)
    write_contract(group)
    contract = next(m for m in group.thread(3) if "contract" in m["text"])
    assert contract["text"] == "Bob's contract"
    group.click(ALICE, ids.NEXT, step=3)
    eventually(lambda: group.step_message(4))
    group.reply(CAROL, 4, "Name a deputy.")
    group.click(ALICE, ids.NEXT, step=4)
    eventually(lambda: group.step_message(5))
    group.click(BOB, ids.SYNTHESIS_OPEN, step=5)
    view = group.modal(BOB, ids.SYNTHESIS_VIEW)
    reply = group.slack.submit(BOB, view["id"], {"keep": "A deputy.", "action_1": "Name my deputy", "got": "yes"})
    assert reply.status == 200 and not reply.body, reply.body
    synthesis = eventually(lambda: [m for m in group.thread(5) if "synthesis" in m["text"]])[-1]
    assert synthesis["text"].startswith("Bob's synthesis")
    status = group.slack.command(CAROL, "status").json()
    assert "Alice" in status["text"] and f"<@{ALICE}>" in str(status["blocks"])
    for message in [group.root(), *[group.step_message(n) for n in range(1, 6)], contract, synthesis]:
        assert message is not None
        assert not re.search(r"U0[A-Z]+", message["text"]), message["text"]
    assert not re.search(r"U0[A-Z]+", status["text"])


def start_async(group: Group, *options: str) -> None:
    view = group.open_start_modal()
    group.slack.choose(ALICE, view["id"], ids.START_PACE, "async", {"client": BOB})
    eventually(lambda: "timekeeping" in str(group.standin.views[view["id"]]["blocks"]))
    reply = group.slack.submit(
        ALICE, view["id"], {"consultants": [CAROL, DAVE, ERIN, FRANK], "timekeeping": list(options)}
    )
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: group.step_message(1))


def test_the_facilitators_learning_turn_waits_for_their_working_hours(group: Group) -> None:
    group.services.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # Tuesday 09:00 in Paris
    start_async(group, "close_early")
    advance_to(group, 5)
    group.services.clock.set(datetime(2026, 11, 24, 22, 30, tzinfo=UTC))  # 23:30 in Paris: Alice is off
    group.click(ALICE, ids.NEXT, step=5)
    learning = eventually(lambda: group.step_message(6))
    assert ALICE not in mentioned(learning) and "@Alice" in str(learning["blocks"]), "named, not woken"
    turns = {
        e.user_id: e.due_at
        for e in group.services.sessions.timers.events_of(group.standin.team_id, 1)
        if e.kind is EventKind.TURN and e.state is EventState.PENDING
    }
    assert turns[ALICE] == datetime(2026, 11, 25, 8, 0, tzinfo=UTC), "Wednesday 09:00 in Paris"
    group.services.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    group.tick()
    told = eventually(lambda: [m for m in group.thread(6) if f"<@{ALICE}>" in m["text"]])
    assert "opened outside your working hours" in told[0]["text"]
    # Everyone, the facilitator included, says they are done: the step closes early, the session ends.
    for person in EVERYONE:
        group.click(person, ids.DONE, step=6)
    eventually(lambda: session(group).status is Status.ENDED)


def test_twenty_concurrent_next_picks_advance_once(group: Group) -> None:
    group.start()
    payload = pick_payload(group, ALICE, 1, option(group.facilitator_menu(1), ids.NEXT))
    statuses: list[int] = []
    barrier = threading.Barrier(20)

    def pick() -> None:
        barrier.wait()
        statuses.append(group.slack.post_payload(payload).status)

    threads = [threading.Thread(target=pick) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 20
    eventually(lambda: group.step_message(2))
    eventually(lambda: len(group.private_notes()) >= 19)
    assert group.current_step() == 2 and session(group).version == 2
    assert group.step_message(3) is None


def test_a_quoted_author_is_named_in_the_journal_lists_notification(group: Group) -> None:
    group.start()  # codev knows the group's names from the start
    said = group.standin.user_posts(group.channel, BOB, "Delegating is trusting, not abandoning.")
    assert group.slack.shortcut_on_message(CAROL, ids.JOURNAL_SHORTCUT, group.channel, said).status == 200
    eventually(lambda: any("Saved to your journal" in r.get("text", "") for r in group.standin.responses))
    dm = group.standin.dm_channel(CAROL)
    group.slack.say(CAROL, dm, "list")
    listing = eventually(lambda: [m for m in group.standin.messages(dm) if "latest entries" in m["text"]])[-1]
    assert "— @Bob" in listing["text"] and BOB not in listing["text"]
    assert f"<@{BOB}>" in str(listing["blocks"])
    answer = group.slack.command(CAROL, "journal").json()
    assert "— @Bob" in answer["text"] and BOB not in answer["text"]


# ---- the reviewer's cases: a pick applies once, a failed pick leaves no stuck menu -------------------------
def at_once(count: int, send: Callable[[], int]) -> list[int]:
    """`count` people's Slack sending the same thing at the same moment; their HTTP statuses."""
    statuses: list[int] = []
    barrier = threading.Barrier(count)

    def one() -> None:
        barrier.wait()
        statuses.append(send())

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def menu_block_id(group: Group, step: int) -> str:
    message = group.step_message(step)
    assert message is not None
    return next(b["block_id"] for b in message["blocks"] if b["type"] == "actions")


def test_ten_identical_extend_picks_at_once_extend_once(group: Group) -> None:
    group.start()
    deadline = session(group).timebox().deadline
    payload = pick_payload(group, ALICE, 1, option(group.facilitator_menu(1), ids.EXTEND))
    assert at_once(10, lambda: group.slack.post_payload(payload).status) == [200] * 10
    eventually(lambda: len([n for n in group.private_notes() if "changed since this menu" in n]) == 9)
    assert session(group).timebox().deadline == deadline + timedelta(minutes=5), "five minutes, not fifty"
    assert session(group).version == 2
    extended = [m for m in group.thread(1) if "extended" in m["text"].lower()]
    assert len(extended) <= 1, "the thread hears of one extension"


def test_ten_identical_pause_picks_at_once_pause_once_and_resume_follows(group: Group) -> None:
    group.start()
    payload = pick_payload(group, ALICE, 1, option(group.facilitator_menu(1), ids.PAUSE))
    at_once(10, lambda: group.slack.post_payload(payload).status)
    eventually(lambda: len([n for n in group.private_notes() if "changed since this menu" in n]) == 9)
    assert session(group).status is Status.PAUSED and session(group).version == 2
    group.click(ALICE, ids.RESUME, step=1)
    eventually(lambda: session(group).status is Status.RUNNING)


def times_up(group: Group) -> dict[str, Any]:
    """The clock reaches the step's deadline: the facilitator's time's-up DM, with Continue and Move on."""
    group.services.clock.set(session(group).timebox().deadline)
    group.tick()
    dm = group.standin.dm_channel(ALICE)
    return eventually(lambda: [m for m in group.standin.messages(dm) if "Time's up" in m["text"]])[-1]


def test_the_times_up_continue_tapped_twice_extends_once(group: Group) -> None:
    group.start()
    first_deadline = session(group).timebox().deadline
    dm_message = times_up(group)
    continue_button, move_on = [e for b in dm_message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert continue_button["value"] == f"1:1:{session(group).version}", "the version it was sent for"
    assert move_on["value"] == continue_button["value"]
    dm = group.standin.dm_channel(ALICE)
    group.slack.click(ALICE, ids.EXTEND, channel_id=dm)
    eventually(lambda: session(group).timebox().deadline == first_deadline + timedelta(minutes=5))
    group.slack.click(ALICE, ids.EXTEND, channel_id=dm)  # the double tap
    eventually(lambda: any("changed since this message was sent" in n for n in group.private_notes()))
    assert session(group).timebox().deadline == first_deadline + timedelta(minutes=5)
    # Time's up again; Extend in the menu first, then Continue in the DM: one more extension, not two.
    times_up(group)
    group.click(ALICE, ids.EXTEND, step=1)
    eventually(lambda: session(group).timebox().deadline == first_deadline + timedelta(minutes=10))
    group.slack.click(ALICE, ids.EXTEND, channel_id=dm)
    eventually(lambda: len([n for n in group.private_notes() if "changed since this message" in n]) == 2)
    assert session(group).timebox().deadline == first_deadline + timedelta(minutes=10)
    # Move on tapped twice: one step forward.
    group.slack.click(ALICE, ids.NEXT, channel_id=dm)
    eventually(lambda: len([n for n in group.private_notes() if "changed since this message" in n]) == 3)
    assert group.current_step() == 1, "Move on from a time's up the menu answered since changes nothing"


def test_a_continue_sent_before_buttons_carried_a_version_extends_once_per_times_up(group: Group) -> None:
    group.start()
    first_deadline = session(group).timebox().deadline
    times_up(group)
    dm = group.standin.dm_channel(ALICE)
    old = group.slack.click_payload(ALICE, ids.EXTEND, channel_id=dm, message_ts="1.000001", value="1:1")
    assert at_once(5, lambda: group.slack.post_payload(old).status) == [200] * 5  # taps, at once
    eventually(lambda: session(group).timebox().deadline == first_deadline + timedelta(minutes=5))
    eventually(lambda: len(group.standin.responses) >= 4)
    assert session(group).timebox().deadline == first_deadline + timedelta(minutes=5), "one extension"
    group.slack.post_payload(old)  # later: the step has time left, nothing is added
    eventually(lambda: any("has time left already" in n for n in group.private_notes()))
    assert session(group).timebox().deadline == first_deadline + timedelta(minutes=5)
    # An old Move on is valid for the step it names only: once.
    old_next = group.slack.click_payload(ALICE, ids.NEXT, channel_id=dm, message_ts="1.000001", value="1:1")
    group.slack.post_payload(old_next)
    eventually(lambda: group.step_message(2))
    group.slack.post_payload(old_next)
    eventually(lambda: any("moved on" in n for n in group.private_notes()))
    assert group.current_step() == 2 and group.step_message(3) is None


def test_a_pick_slack_cannot_open_is_told_kindly_and_the_menu_can_be_picked_again(group: Group) -> None:
    group.start()
    before = menu_block_id(group, 1)
    group.standin.fail("views.open", "expired_trigger_id")
    assert group.click(ALICE, ids.HANDOVER, step=1).status == 200
    eventually(lambda: any("took too long for Slack" in n for n in group.private_notes()))
    eventually(lambda: menu_block_id(group, 1) != before)  # drawn again: the menu shows its label
    assert session(group).version == 1, "same version, same second: the block id changed all the same"
    # The same option again: Slack sends it only because the menu was reset (the driver would raise otherwise).
    group.click(ALICE, ids.HANDOVER, step=1)
    assert group.modal(ALICE, ids.HANDOVER_VIEW)
    group.standin.fail("views.open", "internal_error")
    group.click(ALICE, ids.EDIT, step=1)
    eventually(lambda: any("Slack did not open that just now (internal_error)" in n for n in group.private_notes()))
    group.click(ALICE, ids.EDIT, step=1)
    assert group.modal(ALICE, ids.EDIT_VIEW)


def test_the_driver_refuses_a_pick_slack_would_not_send(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.HANDOVER, step=1)
    group.modal(ALICE, ids.HANDOVER_VIEW)
    eventually(lambda: not group.slack.menu_shows(ALICE, group.channel, group.step_message(1)["ts"], "x"))
    message = group.step_message(1)
    assert message is not None
    shown = option(group.facilitator_menu(1), ids.HANDOVER)["value"]
    block_id = menu_block_id(group, 1)
    group.slack.menus_show[(ALICE, group.channel, message["ts"], block_id, ids.FACILITATOR_MENU)] = shown
    with pytest.raises(NothingSent):  # a menu the app left showing the pick: Slack sends nothing
        group.slack.click(ALICE, ids.HANDOVER, channel_id=group.channel, message_ts=message["ts"])


def test_a_refused_pick_redraws_the_menu(group: Group) -> None:
    group.start()
    before = menu_block_id(group, 1)
    group.pick(CAROL, 1, option(group.facilitator_menu(1), ids.NEXT)["value"])
    note = eventually(lambda: [n for n in group.private_notes() if "Only the facilitator" in n])[0]
    assert "the Facilitator menu" in note and "button" not in note
    eventually(lambda: menu_block_id(group, 1) != before)
    group.pick(CAROL, 1, option(group.facilitator_menu(1), ids.NEXT)["value"])  # sent again: the menu was reset
    eventually(lambda: len([n for n in group.private_notes() if "Only the facilitator" in n]) == 2)
    assert group.current_step() == 1


def test_the_end_confirmation_fails_to_arrive_by_response_url_and_comes_as_an_ephemeral(group: Group) -> None:
    group.start()
    before = menu_block_id(group, 1)
    payload = pick_payload(group, ALICE, 1, option(group.facilitator_menu(1), ids.END))
    payload["response_url"] = group.standin.base_url + "/nowhere"  # Slack refuses the answer there
    assert group.slack.post_payload(payload).status == 200
    confirmation = eventually(
        lambda: [e for e in group.standin.ephemerals_for(ALICE) if "End the session for everyone" in e["text"]]
    )[-1]
    assert ids.END_CANCEL in str(confirmation["blocks"])
    eventually(lambda: menu_block_id(group, 1) != before)
    assert session(group).status is Status.RUNNING


def confirmation_buttons(group: Group) -> dict[str, dict[str, Any]]:
    confirmation = eventually(lambda: [r for r in group.standin.responses if ids.END_CANCEL in str(r.get("blocks"))])[
        -1
    ]
    return {e["action_id"]: e for b in confirmation["blocks"] if b["type"] == "actions" for e in b["elements"]}


def test_an_end_confirmation_left_while_the_session_changed_ends_nothing_and_goes_away(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.END, step=1, confirm=False)
    buttons = confirmation_buttons(group)
    assert buttons[ids.END]["value"] == "1:1:1", "the step and version it was asked for"
    group.click(ALICE, ids.EXTEND, step=1)  # the session goes on meanwhile
    eventually(lambda: session(group).version == 2)
    count = len(group.standin.responses)
    group.slack.click_in_response(ALICE, ids.END)
    answer = response_after(group, count, lambda r: "changed since" in r.get("text", ""))
    assert answer.get("replace_original") is True, "replaced, not left"
    assert session(group).status is Status.RUNNING
    # A confirmation without a version (forged, or from before): stale too.
    forged = group.slack.click_payload(ALICE, ids.END, channel_id=group.channel, message_ts="1.000001", value="1:1")
    group.slack.post_payload(forged)
    eventually(lambda: len([n for n in group.private_notes() if "changed since this message" in n]) == 2)
    assert session(group).status is Status.RUNNING


def test_cancel_puts_the_end_confirmation_away_and_nothing_ends(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.END, step=1, confirm=False)
    assert confirmation_buttons(group)[ids.END_CANCEL]["text"]["text"] == "Cancel"
    count = len(group.standin.responses)
    group.slack.click_in_response(ALICE, ids.END_CANCEL)
    response_after(group, count, lambda r: bool(r.get("delete_original")))
    assert session(group).status is Status.RUNNING and session(group).version == 1


def test_an_end_confirmation_clicked_after_the_session_ended_is_replaced_by_why(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.END, step=1, confirm=False)
    group.click(ALICE, ids.END, step=1)  # a second confirmation, confirmed: the session ends
    eventually(lambda: session(group).status is Status.ENDED)
    count = len(group.standin.responses)
    first = next(r for r in group.standin.responses if ids.END_CANCEL in str(r.get("blocks")))
    (end_button,) = [
        e for b in first["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == ids.END
    ]
    group.slack.click_in_response(ALICE, ids.END, value=end_button["value"])
    answer = response_after(group, count, lambda r: r.get("text") == "This session has ended.")
    assert answer.get("replace_original") is True


def response_after(group: Group, count: int, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The first answer through a response URL since `count` that is the one sought: others may still arrive
    meanwhile (an earlier click's confirmation being deleted)."""
    return eventually(lambda: next((r for r in group.standin.responses[count:] if wanted(r)), None))


def deactivate(group: Group, user_id: str, name: str) -> None:
    group.standin.users[user_id].deleted = True
    group.slack.event(
        {
            "type": "user_change",
            "user": {
                "id": user_id,
                "team_id": group.standin.team_id,
                "name": name.lower(),
                "real_name": name,
                "deleted": True,
                "tz": "Europe/Paris",
            },
        }
    )
    eventually(lambda: (facts := group.services.people.lookup(group.standin.team_id, user_id)) and facts.deleted)


def test_a_pick_on_an_ended_session_says_so_and_offers_no_take_over(group: Group) -> None:
    group.start()
    menu = group.facilitator_menu(1)
    group.click(ALICE, ids.END, step=1)
    eventually(lambda: session(group).status is Status.ENDED)
    deactivate(group, ALICE, "Alice")
    count = len(group.standin.responses)
    group.slack.post_payload(pick_payload(group, CAROL, 1, option(menu, ids.NEXT)))
    answer = response_after(group, count, lambda r: r.get("text") == "This session has ended.")
    assert ids.TAKE_OVER not in str(answer.get("blocks")), "nothing to take over"
    take_over = group.slack.click_payload(CAROL, ids.TAKE_OVER, channel_id=group.channel, message_ts="1.1", value="1:1")
    group.slack.post_payload(take_over)
    eventually(lambda: len([n for n in group.private_notes() if n == "This session has ended."]) == 2)
    assert session(group).facilitator_id == ALICE


def test_a_client_who_took_over_facilitating_is_counted_as_the_client(group: Group) -> None:
    group.start()
    deactivate(group, ALICE, "Alice")
    group.pick(BOB, 1, option(group.facilitator_menu(1), ids.NEXT)["value"])
    eventually(lambda: any("take over" in n for n in group.private_notes()))
    group.slack.click_in_response(BOB, ids.TAKE_OVER)
    eventually(lambda: session(group).facilitator_id == BOB)
    group.reply(BOB, 1, "My team of eight loses its lead in March.")
    group.click(BOB, ids.END, step=1)
    eventually(lambda: session(group).status is Status.ENDED)
    dm = group.standin.dm_channel(BOB)
    summary = eventually(lambda: [m for m in group.standin.messages(dm) if "By role" in str(m.get("blocks"))])[-1]
    assert "By role: the client 1 · the consultants 0 · the facilitator 0" in str(summary["blocks"])


def test_everyone_clicking_done_at_the_same_moment_closes_learning_early(group: Group) -> None:
    """The last of several simultaneous "I'm done" clicks sees the others' (PostgreSQL reads committed rows only)."""
    group.services.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # Tuesday 09:00 in Paris: all on duty
    start_async(group, "close_early")
    advance_to(group, 6)
    start = threading.Barrier(len(EVERYONE))

    def done(person: str) -> None:
        start.wait()
        group.click(person, ids.DONE, step=6)

    threads = [threading.Thread(target=done, args=(person,)) for person in EVERYONE]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    eventually(lambda: session(group).status is Status.ENDED)
