"""The facilitator's controls, the participants' buttons, and what happens when clicks race or go stale."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.domain.session import Status
from bot.slack import ids
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually


def session(group: Group):  # type: ignore[no-untyped-def]
    return group.services.sessions.get(group.standin.team_id, 1)


@pytest.mark.parametrize("action_id", [ids.NEXT, ids.EXTEND, ids.PAUSE, ids.RESUME, ids.END, ids.HANDOVER, ids.EDIT])
def test_only_the_facilitator_may_use_the_controls(group: Group, action_id: str) -> None:
    step1 = group.start()
    version = session(group).version
    # A forged click: the button need not even be on screen (Resume only shows while paused).
    reply = group.slack.post_payload(
        group.slack.click_payload(CAROL, action_id, channel_id=group.channel, message_ts=step1["ts"], value="1:1")
    )
    assert reply.status == 200
    eventually(lambda: any("Only the facilitator" in n for n in group.private_notes()))
    assert session(group).version == version
    assert group.current_step() == 1


def test_next_closes_the_step_and_opens_the_next(group: Group) -> None:
    group.start()
    group.reply(BOB, 1, "Here is my situation.")
    group.click(ALICE, ids.NEXT, step=1)
    step2 = eventually(lambda: group.step_message(2))
    assert f"<@{CAROL}>" in str(step2["blocks"]), "the step's message mentions those whose turn it is"
    assert "Carol" in step2["text"] and "U0" not in step2["text"], "its notification reads their names"
    closed = eventually(lambda: "Closed · 1 reply" in str(group.step_message(1)["blocks"]) and group.step_message(1))
    assert "actions" not in [b["type"] for b in closed["blocks"]], "controls are removed"
    # The root is the session's card: the step message announces the step, the root is left alone.
    root_ts = group.root()["ts"]
    assert not [c for c in group.standin.calls if c.method == "chat.update" and c.args.get("ts") == root_ts]


def test_a_stale_button_never_advances(group: Group) -> None:
    step1 = group.start()
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    old = group.slack.click_payload(ALICE, ids.NEXT, channel_id=group.channel, message_ts=step1["ts"], value="1:1")
    assert group.slack.post_payload(old).status == 200
    eventually(lambda: any("moved on" in n for n in group.private_notes()))
    assert group.current_step() == 2


def test_twenty_concurrent_next_clicks_advance_once(group: Group) -> None:
    step1 = group.start()
    payload = group.slack.click_payload(ALICE, ids.NEXT, channel_id=group.channel, message_ts=step1["ts"], value="1:1")
    replies = []
    barrier = threading.Barrier(20)

    def click() -> None:
        barrier.wait()
        replies.append(group.slack.post_payload(payload).status)

    threads = [threading.Thread(target=click) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert replies == [200] * 20
    eventually(lambda: group.step_message(2))
    eventually(lambda: len(group.private_notes()) >= 19)
    assert group.current_step() == 2
    assert session(group).version == 2
    assert group.step_message(3) is None
    assert len([m for m in group.messages() if "Step 2/6" in m["text"]]) == 1


def test_forged_values_get_a_clean_answer(group: Group) -> None:
    step1 = group.start()
    for value in ("999:1", "nonsense", "1:9", ""):
        payload = group.slack.click_payload(
            ALICE, ids.NEXT, channel_id=group.channel, message_ts=step1["ts"], value=value
        )
        assert group.slack.post_payload(payload).status == 200
    eventually(lambda: len(group.standin.responses) >= 4)
    assert group.current_step() == 1


def test_pause_and_resume_push_the_deadline_back(group: Group) -> None:
    group.start()
    deadline = session(group).timebox().deadline
    group.click(ALICE, ids.PAUSE, step=1)
    eventually(lambda: session(group).status is Status.PAUSED)
    eventually(lambda: "Paused" in str(group.step_message(1)["blocks"]))  # the step's message says so
    group.services.clock.advance(timedelta(minutes=30))
    group.click(ALICE, ids.RESUME, step=1)
    eventually(lambda: session(group).status is Status.RUNNING)
    assert session(group).timebox().deadline == deadline + timedelta(minutes=30)


def test_extend_adds_the_pace_amount(group: Group) -> None:
    group.start()
    deadline = session(group).timebox().deadline
    group.click(ALICE, ids.EXTEND, step=1)
    eventually(lambda: session(group).timebox().deadline == deadline + timedelta(minutes=5))


def test_end_session_ends_and_sends_the_summary_to_the_client(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.END, step=1)
    eventually(lambda: session(group).status is Status.ENDED)
    dm = group.standin.dm_channel(BOB)
    assert eventually(lambda: group.standin.messages(dm))
    eventually(lambda: ":heavy_minus_sign:" in str(group.root()["blocks"]))  # skipped steps shown as skipped


def test_hand_over_facilitation(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.HANDOVER, step=1)
    view = eventually(lambda: [v for v in group.standin.views_for(ALICE) if v["callback_id"] == "handover"])[-1]
    reply = group.slack.submit(ALICE, view["id"], {"to": CAROL})
    assert reply.status == 200 and not reply.body
    eventually(lambda: session(group).facilitator_id == CAROL)
    assert CAROL not in session(group).consultant_ids
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: any("Only the facilitator" in n for n in group.private_notes()))
    group.click(CAROL, ids.NEXT, step=1)
    eventually(lambda: group.current_step() == 2)


def test_hand_over_to_the_client_is_refused(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.HANDOVER, step=1)
    view = eventually(lambda: [v for v in group.standin.views_for(ALICE) if v["callback_id"] == "handover"])[-1]
    body = group.slack.submit(ALICE, view["id"], {"to": BOB}).json()
    assert body["response_action"] == "errors"


def test_a_consultant_can_take_over_from_a_silent_facilitator(group: Group) -> None:
    group.start()  # presentation lasts 10 minutes
    group.services.clock.advance(timedelta(minutes=15))
    group.click(CAROL, ids.NEXT, step=1)
    eventually(lambda: any("Only the facilitator" in n for n in group.private_notes()))
    group.services.clock.advance(timedelta(minutes=10))
    group.click(CAROL, ids.NEXT, step=1)
    note = eventually(lambda: [r for r in group.standin.responses if "take over" in r.get("text", "")])[0]
    assert note["blocks"][1]["elements"][0]["action_id"] == ids.TAKE_OVER
    payload = group.slack.click_payload(
        CAROL, ids.TAKE_OVER, channel_id=group.channel, message_ts=group.step_message(1)["ts"], value="1:1"
    )
    group.slack.post_payload(payload)
    eventually(lambda: session(group).facilitator_id == CAROL)


def test_im_done_is_for_the_expected_speakers_and_shows_on_the_step(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    group.click(ALICE, ids.DONE, step=2)  # the facilitator holds the frame in Clarification; they do not speak
    eventually(lambda: any("for those who speak" in n for n in group.private_notes()))
    for consultant in (CAROL, DAVE):
        group.click(consultant, ids.DONE, step=2)
    eventually(lambda: "Done: 2/5" in str(group.step_message(2)["blocks"]))  # four consultants and the client
    group.click(CAROL, ids.DONE, step=2)
    eventually(lambda: any("already" in n for n in group.private_notes()))
    for person in (ERIN, FRANK, BOB):  # the client, who answers, says they are done too
        group.click(person, ids.DONE, step=2)
    eventually(lambda: any("Everyone expected" in e["text"] for e in group.standin.ephemerals_for(ALICE)))


def test_contract_is_the_clients_to_write(group: Group) -> None:
    group.start()
    for step in (1, 2):
        group.click(ALICE, ids.NEXT, step=step)
        eventually(lambda s=step: group.step_message(s + 1))
    group.click(CAROL, ids.CONTRACT_OPEN, step=3)
    eventually(lambda: any("Only the client" in n for n in group.private_notes()))
    assert not [v for v in group.standin.views_for(CAROL) if v["callback_id"] == "contract"]


def test_contract_can_be_edited_until_the_step_ends(group: Group) -> None:
    group.start()
    for step in (1, 2):
        group.click(ALICE, ids.NEXT, step=step)
        eventually(lambda s=step: group.step_message(s + 1))
    seen: set[str] = set()

    def new_contract_modal() -> dict[str, Any]:  # a submitted modal is closed: Slack cannot send it again
        group.click(BOB, ids.CONTRACT_OPEN, step=3)
        view = eventually(lambda: [v for v in group.standin.views_for(BOB) if v["id"] not in seen])[-1]
        seen.add(view["id"])
        return view

    for need in ("First need", "Better need"):
        group.slack.submit(BOB, new_contract_modal()["id"], {"need": need})
        eventually(lambda n=need: any(n in str(m.get("blocks")) for m in group.thread(3)))
    assert len(group.thread(3)) == 1, "the contract message is updated, not posted twice"
    still_open = new_contract_modal()  # open while the step ends
    group.click(ALICE, ids.NEXT, step=3)
    eventually(lambda: group.step_message(4))
    body = group.slack.submit(BOB, still_open["id"], {"need": "Too late"}).json()
    assert "over" in body["errors"]["need"]


def test_the_facilitator_edits_a_running_session(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    group.click(CAROL, ids.EDIT, step=2)
    eventually(lambda: any("Only the facilitator" in n for n in group.private_notes()))
    group.click(ALICE, ids.EDIT, step=2)
    view = group.modal(ALICE, "edit_session")
    assert "duration_live_presentation" not in str(view["blocks"]), "closed steps keep their timebox"
    body = group.slack.submit(
        ALICE, view["id"], {"client": CAROL, "consultants": [BOB, DAVE, ERIN], "duration_consultation": "0"}
    ).json()
    assert "at least 1" in body["errors"]["duration_live_consultation"]
    reply = group.slack.submit(
        ALICE, view["id"], {"client": CAROL, "consultants": [BOB, DAVE, ERIN], "duration_consultation": "40"}
    )
    assert reply.status == 200 and not reply.body
    snapshot = eventually(lambda: session(group).client_id == CAROL and session(group))
    assert snapshot.consultant_ids == [BOB, DAVE, ERIN]
    assert snapshot.steps[4].duration == timedelta(minutes=40)
    eventually(lambda: f"<@{CAROL}>" in str(group.root()["blocks"]).split("Consultants")[0])


def test_an_edit_from_a_stale_modal_is_refused(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.EDIT, step=1)
    view = group.modal(ALICE, "edit_session")
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    body = group.slack.submit(ALICE, view["id"], {"client": CAROL, "consultants": [BOB, DAVE]}).json()
    assert "same moment" in body["errors"]["client"]
    assert session(group).client_id == BOB


def test_the_client_edits_the_summary_before_posting_it(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.END, step=1)
    dm = group.standin.dm_channel(BOB)
    eventually(lambda: group.standin.messages(dm))
    group.slack.click(CAROL, ids.SUMMARY_EDIT, channel_id=dm)
    eventually(lambda: any("Only the client" in n for n in group.private_notes()))
    group.slack.click(BOB, ids.SUMMARY_EDIT, channel_id=dm)
    view = group.modal(BOB, "summary_edit_view")
    # The modal edits the summary's fields (what Bob keeps, his actions), not its mrkdwn: he fills them in.
    reply = group.slack.submit(BOB, view["id"], {"keep": "Short, approved summary.", "action_1": "Call Sam"})
    assert reply.status == 200 and not reply.body
    posted = eventually(lambda: group.standin.thread(group.channel, group.root()["ts"]))
    assert "Short, approved summary." in str(posted[0]["blocks"]) and "Call Sam" in str(posted[0]["blocks"])
    # The approval DM says where it went (the after-session DM with the journal prompt may come after it).
    eventually(lambda: any("Posted the summary" in m["text"] for m in group.standin.messages(dm)))
    group.slack.post_payload(
        group.slack.click_payload(BOB, ids.SUMMARY_POST, channel_id=dm, message_ts="1.0", value="1")
    )
    eventually(lambda: any("already been posted" in n for n in group.private_notes()))
    assert len(group.standin.thread(group.channel, group.root()["ts"])) == 1, "posted once"


def test_requests_are_acknowledged_before_slow_web_api_work(group: Group) -> None:
    group.start()
    group.standin.fail("chat.postMessage", "ratelimited", retry_after=2)
    reply = group.click(ALICE, ids.NEXT, step=1)
    assert reply.status == 200
    # The answer came back while the rate-limited post was still waiting to be retried.
    assert group.step_message(2) is None
    eventually(lambda: group.step_message(2), timeout=15)


def test_contract_and_synthesis_modals_explain_their_errors(group: Group) -> None:
    group.start()
    for step in (1, 2):
        group.click(ALICE, ids.NEXT, step=step)
        eventually(lambda s=step: group.step_message(s + 1))
    group.click(BOB, ids.CONTRACT_OPEN, step=3)
    contract = group.modal(BOB, "contract")
    assert "need" in group.slack.submit(BOB, contract["id"], {"need": "   "}).json()["errors"]
    assert "Only the client" in group.slack.submit(CAROL, contract["id"], {"need": "x"}).json()["errors"]["need"]
    for step in (3, 4):
        group.click(ALICE, ids.NEXT, step=step)
        eventually(lambda s=step: group.step_message(s + 1))
    group.click(BOB, ids.SYNTHESIS_OPEN, step=5)
    synthesis = group.modal(BOB, "synthesis")
    errors = group.slack.submit(BOB, synthesis["id"], {"action_1": "Call Dana", "due_1": "2020-01-01"}).json()
    assert "from today" in errors["errors"]["due_1"]
    errors = group.slack.submit(BOB, synthesis["id"], {}).json()
    assert "keep" in errors["errors"]


def test_text_typed_in_modals_cannot_ping_the_channel_or_fake_a_link(group: Group) -> None:
    group.start("Budget <!channel> & <https://evil.example|the plan>")
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|the plan&gt;" in group.root()["text"]
    for step in (1, 2):
        group.click(ALICE, ids.NEXT, step=step)
        eventually(lambda s=step: group.step_message(s + 1))
    group.click(BOB, ids.CONTRACT_OPEN, step=3)
    view = eventually(lambda: [v for v in group.standin.views_for(BOB) if v["callback_id"] == "contract"])[-1]
    group.slack.submit(BOB, view["id"], {"need": "Help <!here>"})
    contract = eventually(lambda: [m for m in group.thread(3) if "Help" in str(m.get("blocks"))])[0]
    assert "Help &lt;!here&gt;" in str(contract["blocks"]) and "<!here>" not in str(contract["blocks"])


# ---- what the facilitator's changes tell the step's thread --------------------------------------------
def thread_note(group: Group, step: int, words: str) -> str:
    return str(eventually(lambda: [m for m in group.thread(step) if words in m["text"]])[-1]["text"])


def slack_date_of(deadline: datetime) -> str:
    return f"<!date^{int(deadline.timestamp())}^"


def test_pause_and_resume_are_told_in_the_thread_with_the_time_left_and_the_new_deadline(group: Group) -> None:
    group.start()  # live: Presentation lasts 10 minutes
    group.services.clock.advance(timedelta(minutes=4))
    group.click(ALICE, ids.PAUSE, step=1)
    paused = thread_note(group, 1, "paused")
    assert f"<@{ALICE}> paused Presentation" in paused and "(6 min)" in paused
    group.services.clock.advance(timedelta(minutes=30))
    group.click(ALICE, ids.RESUME, step=1)
    resumed = thread_note(group, 1, "resumed")
    deadline = session(group).timebox().deadline
    assert deadline == group.services.clock.now() + timedelta(minutes=6)
    assert f"<@{ALICE}> resumed Presentation" in resumed and slack_date_of(deadline) in resumed


def test_an_extension_is_told_in_the_thread_with_the_new_deadline(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.EXTEND, step=1)
    extended = thread_note(group, 1, "more")
    deadline = session(group).timebox().deadline
    assert deadline == session(group).steps[1].started_at + timedelta(minutes=15)
    assert f"<@{ALICE}> gave Presentation 5 min more" in extended and slack_date_of(deadline) in extended


def test_a_hand_over_names_the_new_facilitator_in_the_thread(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.HANDOVER, step=1)
    group.slack.submit(ALICE, group.modal(ALICE, "handover")["id"], {"to": CAROL})
    note = thread_note(group, 1, "handed facilitation")
    assert f"<@{ALICE}> handed facilitation over: <@{CAROL}> facilitates" in note


def test_an_edit_of_the_timeboxes_gives_the_current_steps_new_deadline(group: Group) -> None:
    group.start()
    group.click(ALICE, ids.EDIT, step=1)
    view = group.modal(ALICE, "edit_session")
    reply = group.slack.submit(
        ALICE,
        view["id"],
        {"client": BOB, "consultants": [CAROL, DAVE, ERIN, FRANK], "duration_presentation": "20"},
    )
    assert reply.status == 200 and not reply.body
    note = thread_note(group, 1, "updated the session")
    deadline = session(group).timebox().deadline
    assert deadline == session(group).steps[1].started_at + timedelta(minutes=20)
    assert f"<@{ALICE}> updated the session: Presentation now ends" in note and slack_date_of(deadline) in note
