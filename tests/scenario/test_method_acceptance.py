"""Acceptance of issue 14 as someone outside would check it, driving the bot as Slack and its people do: cases
the other scenario files do not walk through (every facilitator control tried by a consultant, a pause in the
middle of the session, French coaching, a synthesis answered "no", the debrief read back with /codev journal, an
evaluation in a group that evaluates every third session)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from bot.domain.session import Status
from bot.i18n import format_day
from bot.slack import ids
from bot.slack.blocks.after import DEBRIEF_OPEN, DEBRIEF_VIEW, EVALUATION_OPEN, EVALUATION_VIEW
from bot.storage.models import EvaluationResponse, GroupEvaluation
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, PEOPLE, Group, eventually
from tests.scenario.test_after_session import (
    TUESDAY_AFTERNOON,
    a_session_ends_with_its_summary_posted,
    after_dms,
    at,
    evaluate,
    evaluation_dms,
    results,
    rows,
)
from tests.scenario.test_charter_and_polish import accept, blocks_of, charters, group_modal, the_group
from tests.scenario.test_contract_and_synthesis import (
    consultation_and_synthesis,
    summary_dm,
    texts,
    to_consultation,
    to_contract,
    write_contract,
)
from tests.scenario.test_groups import create_group
from tests.support.settle import settle

EVERYONE = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK]
CONTROLS = [ids.NEXT, ids.EXTEND, ids.PAUSE, ids.HANDOVER, ids.EDIT, ids.END]


def session(group: Group):  # type: ignore[no-untyped-def]
    return group.services.sessions.get(group.standin.team_id, 1)


def option(menu: dict[str, Any], action_id: str) -> dict[str, Any]:
    return next(o for o in menu["options"] if o["value"].startswith(action_id + "|"))


def controls(menu: dict[str, Any]) -> list[str]:
    return [o["value"].partition("|")[0] for o in menu["options"]]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e for b in message.get("blocks") or [] if b["type"] == "actions" for e in b["elements"] if e["type"] == "button"
    ]


def move_to(group: Group, step: int) -> dict[str, Any]:
    while group.current_step() < step:
        current = group.current_step()
        group.click(ALICE, ids.NEXT, step=current)
        eventually(lambda c=current: group.step_message(c + 1))
    message = group.step_message(step)
    assert message is not None
    return message


# ---- the facilitator panel ------------------------------------------------------------------------------------
def test_a_consultant_trying_every_facilitator_control_in_clarification_changes_nothing(group: Group) -> None:
    group.start()
    move_to(group, 2)
    before = session(group)
    deadline, version = before.timebox().deadline, before.version
    menu = group.facilitator_menu(2)
    assert controls(menu) == CONTROLS
    for control in CONTROLS:
        refused = len([n for n in group.private_notes() if "Only the facilitator" in n])
        group.pick(CAROL, 2, option(group.facilitator_menu(2), control)["value"])
        eventually(lambda r=refused: len([n for n in group.private_notes() if "Only the facilitator" in n]) > r)
    settle(group.services)
    now = session(group)
    assert now.status is Status.RUNNING and group.current_step() == 2
    assert now.facilitator_id == ALICE and now.version == version and now.timebox().deadline == deadline
    opened = {v["callback_id"] for v in group.standin.views_for(CAROL)}
    assert not opened & {ids.HANDOVER_VIEW, ids.EDIT_VIEW}, "no facilitator modal opens for Carol"
    assert not any("End the session for everyone" in n for n in group.private_notes(CAROL))
    for person in EVERYONE:
        assert all(ids.END not in str(r.get("blocks")) for r in group.standin.ephemerals_for(person))


def test_the_client_trying_end_in_consultation_is_refused_and_the_session_goes_on(group: Group) -> None:
    group.start()
    move_to(group, 3)
    group.click(ALICE, ids.NEXT, step=3)
    eventually(lambda: group.step_message(4))
    group.pick(BOB, 4, option(group.facilitator_menu(4), ids.END)["value"])
    eventually(lambda: any("Only the facilitator" in n for n in group.private_notes()))
    settle(group.services)
    assert session(group).status is Status.RUNNING and group.current_step() == 4


def test_a_pause_in_consultation_shows_resume_in_place_of_pause_and_resume_brings_it_back(group: Group) -> None:
    group.start()
    move_to(group, 4)
    group.click(ALICE, ids.PAUSE, step=4)
    eventually(lambda: session(group).status is Status.PAUSED)
    menu = eventually(lambda: (m := group.facilitator_menu(4)) and ids.RESUME in controls(m) and m)
    assert ids.PAUSE not in controls(menu)
    assert controls(menu).index(ids.RESUME) == CONTROLS.index(ids.PAUSE), "Resume sits where Pause was"
    resume = option(menu, ids.RESUME)
    assert resume["text"]["text"].startswith("Resume")
    # A consultant cannot resume either.
    group.pick(DAVE, 4, resume["value"])
    eventually(lambda: any("Only the facilitator" in n for n in group.private_notes()))
    settle(group.services)
    assert session(group).status is Status.PAUSED
    group.click(ALICE, ids.RESUME, step=4)
    eventually(lambda: session(group).status is Status.RUNNING)
    back = eventually(lambda: (m := group.facilitator_menu(4)) and ids.PAUSE in controls(m) and m)
    assert controls(back) == CONTROLS
    message = group.step_message(4)
    assert message is not None
    assert {b["action_id"] for b in buttons(message)} <= {ids.DONE}, "Consultation: participants only see I'm done"
    assert len([b for b in buttons(message) if b.get("style") == "primary"]) <= 1


def test_every_step_names_its_people_and_the_facilitator_is_never_called_to_speak_before_learning(
    group: Group,
) -> None:
    group.start()
    presentation = group.step_message(1)
    assert presentation is not None
    assert f"<@{BOB}>" in str(presentation["blocks"])
    clarification = move_to(group, 2)
    line = str(clarification["blocks"])
    assert "ask" in line and f"<@{BOB}> answers" in line
    assert "Bob answers" in clarification["text"] and not re.search(r"U0[A-Z]+", clarification["text"])
    learning = move_to(group, 6)
    called = set(re.findall(r"<@(U\w+)>", str(learning["blocks"])))
    assert called >= set(EVERYONE)
    assert "Done: 0/6" in str(learning["blocks"])
    assert "everyone, your turn" not in str(learning["blocks"]).lower()
    assert not re.search(r"U0[A-Z]+", learning["text"]), learning["text"]
    group.click(BOB, ids.DONE, step=6)  # the client says what they take away: counted
    eventually(lambda: "Done: 1/6" in str(group.step_message(6)["blocks"]))
    assert not any("for those who speak" in n for n in group.private_notes(BOB))


def test_the_learning_step_shows_the_four_prompts_word_for_word(group: Group) -> None:
    group.start()
    learning = str(move_to(group, 6)["blocks"])
    for prompt in ("What I appreciated", "What I expected", "What I learned", "What I will apply"):
        assert prompt in learning, prompt


# ---- coaching in French -----------------------------------------------------------------------------------------
def hints(group: Group, user_id: str) -> list[dict[str, Any]]:
    return group.standin.ephemerals_for(user_id)


def test_french_advice_disguised_as_questions_is_hinted_and_french_neutral_questions_are_not(group: Group) -> None:
    group.start()
    move_to(group, 2)
    group.reply(CAROL, 2, "Ne serait-il pas plus simple de déléguer la décision à ton adjoint ?")
    eventually(lambda: hints(group, CAROL))
    assert "advice" in hints(group, CAROL)[0]["text"]
    group.reply(DAVE, 2, "As-tu pensé à en parler à ton manager ?")
    eventually(lambda: hints(group, DAVE))
    assert "advice" in hints(group, DAVE)[0]["text"]
    for person, text in (
        (ERIN, "Comment ton équipe a-t-elle réagi quand tu l'as annoncé ?"),
        (FRANK, "Qu'est-ce qui te fait dire que c'est urgent ?"),
        (ERIN, "Qui prend les décisions quand tu n'es pas là ?"),
        (FRANK, "Qu'as-tu déjà essayé ?"),
    ):
        group.reply(person, 2, text)
    settle(group.services)
    assert hints(group, ERIN) == [] and hints(group, FRANK) == []
    assert len(hints(group, CAROL)) == 1 and len(hints(group, DAVE)) == 1


def test_two_french_questions_in_one_message_bring_the_one_at_a_time_hint(group: Group) -> None:
    group.start()
    move_to(group, 2)
    group.reply(ERIN, 2, "Depuis quand est-ce que ça dure ? Et qui d'autre est au courant ?")
    eventually(lambda: hints(group, ERIN))
    assert "one question at a time" in hints(group, ERIN)[0]["text"].lower()


def test_codevs_own_example_question_passes_and_a_could_you_just_is_hinted_to_its_author_only(group: Group) -> None:
    group.start()
    move_to(group, 2)
    group.reply(CAROL, 2, "What have you tried so far?")
    group.reply(DAVE, 2, "Could you just tell them you are leaving?")
    eventually(lambda: hints(group, DAVE))
    settle(group.services)
    assert hints(group, CAROL) == []
    thread = group.thread(2)
    assert not any("advice" in m.get("text", "") and m.get("user") != DAVE for m in thread)


# ---- contract and synthesis ------------------------------------------------------------------------------------
def test_a_synthesis_answered_no_with_a_note_shows_in_the_proposed_summary(group: Group) -> None:
    to_consultation(group, need="A way to say no to my director", expectations="")
    consultation_and_synthesis(
        group, keep="Write my limits down.", got="no", got_note="We talked about the team, not my director."
    )
    synthesis = eventually(lambda: [m for m in group.thread(5) if "synthesis" in m["text"]])[0]
    assert "No." in str(synthesis["blocks"]) and "not my director" in str(synthesis["blocks"])
    assert synthesis["text"].startswith("Bob's synthesis")
    group.click(ALICE, ids.NEXT, step=5)
    eventually(lambda: group.step_message(6))
    group.click(ALICE, ids.NEXT, step=6)
    proposed = str(summary_dm(group)["blocks"])
    assert "Did the client get what they asked for?* No." in proposed
    assert "We talked about the team, not my director." in proposed


# ---- after the session -----------------------------------------------------------------------------------------
def test_the_facilitators_debrief_is_read_back_with_codev_journal_by_them_only(group: Group) -> None:
    at(group, TUESDAY_AFTERNOON)
    a_session_ends_with_its_summary_posted(group)
    for person in EVERYONE:
        (dm,) = eventually(lambda p=person: after_dms(group, p))
        assert "slack.com/archives" in str(dm["blocks"]), f"{person}'s DM links the summary"
        assert not re.search(r"U0[A-Z]+", dm.get("text", "")), dm.get("text")
    offer = after_dms(group, ALICE)[0]
    assert DEBRIEF_OPEN in str(offer["blocks"])
    assert all(DEBRIEF_OPEN not in str(after_dms(group, p)[0]["blocks"]) for p in EVERYONE if p != ALICE)
    group.slack.click(ALICE, DEBRIEF_OPEN, channel_id=group.standin.dm_channel(ALICE), message_ts=offer["ts"])
    modal = group.modal(ALICE, DEBRIEF_VIEW)
    answers = {"frame": "I held the frame loosely in Clarification.", "timing": "", "climate": "Warm, a bit shy."}
    assert not group.slack.submit(ALICE, modal["id"], answers).body

    def alices_journal() -> str | None:
        listing = group.slack.command(ALICE, "journal").json()
        text = str(listing.get("blocks")) + listing.get("text", "")
        return text if "held the frame loosely" in text else None

    text = eventually(alices_journal)
    assert "Warm, a bit shy." in text
    for person in (BOB, CAROL, DAVE):
        theirs = group.slack.command(person, "journal").json()
        assert "held the frame loosely" not in str(theirs.get("blocks")) + theirs.get("text", ""), person
    assert "held the frame loosely" not in str(group.messages())


def test_a_group_evaluating_every_third_session_asks_after_the_third_and_shows_three_answers_without_names(
    group: Group,
) -> None:
    at(group, TUESDAY_AFTERNOON)
    create_group(group, EVERYONE, evaluation_every="3")  # set in the group modal, as a member would
    eventually(lambda: the_group(group).evaluation_every == 3)
    a_session_ends_with_its_summary_posted(group, "First challenge")
    a_session_ends_with_its_summary_posted(group, "Second challenge")
    eventually(lambda: len(after_dms(group, FRANK)) == 2)
    settle(group.services)
    assert not any(evaluation_dms(group, p) for p in EVERYONE), "not before the third session"
    a_session_ends_with_its_summary_posted(group, "Third challenge")
    for person in EVERYONE:
        assert len(eventually(lambda p=person: evaluation_dms(group, p))) == 1
    evaluate(group, DAVE, 2, 3, 4, "Dave thinks we interrupt.")
    evaluate(group, ERIN, 4, 3, 2)
    eventually(lambda: len(rows(group, EvaluationResponse)) == 2)
    group.tick()
    settle(group.services)
    assert results(group) == []
    evaluate(group, FRANK, 3, 3, 3)
    (shown,) = eventually(lambda: results(group))
    text = str(shown["blocks"]) + shown["text"]
    assert "3 answers" in text and "3.0" in text
    assert "<@" not in text
    for _user_id, name, _tz in PEOPLE:
        assert name not in text.replace("Dave thinks", ""), name


# ---- the charter as a frame --------------------------------------------------------------------------------------
def a_circle_requiring_the_charter_where_erin_has_not_accepted(group: Group) -> None:
    at(group, TUESDAY_AFTERNOON)  # everyone at work: the charter DMs come now
    create_group(group, EVERYONE)
    for member in (ALICE, BOB, CAROL, DAVE, FRANK):
        accept(group, member)
    view = group_modal(group)
    reply = group.slack.submit(
        ALICE, view["id"], {"name": "Tuesday circle", "members": EVERYONE, "charter_required": ["required"]}
    )
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: the_group(group).charter_required)
    assert [o["value"] for o in blocks_of(group_modal(group))["charter_required"]["element"]["initial_options"]] == [
        "required"
    ]


def test_a_required_charter_holds_back_erin_as_client_or_facilitator_too(group: Group) -> None:
    a_circle_requiring_the_charter_where_erin_has_not_accepted(group)
    view = group.open_start_modal(ALICE, "Erin's case")
    as_client = group.slack.submit(
        ALICE, view["id"], {"facilitator": ALICE, "client": ERIN, "consultants": [CAROL, DAVE, FRANK]}
    ).json()
    assert as_client.get("response_action") == "errors", as_client
    assert any("Erin" in e and "charter" in e for e in as_client["errors"].values()), as_client["errors"]
    assert not any("U0ERIN" in e for e in as_client["errors"].values())
    as_facilitator = group.slack.submit(
        ALICE, view["id"], {"facilitator": ERIN, "client": BOB, "consultants": [CAROL, DAVE, FRANK]}
    ).json()
    assert as_facilitator.get("response_action") == "errors", as_facilitator
    assert any("Erin" in e and "charter" in e for e in as_facilitator["errors"].values())
    assert group.services.sessions.running_in(group.standin.team_id, group.channel) == []
    accept(group, ERIN)
    reply = group.slack.submit(
        ALICE, view["id"], {"facilitator": ERIN, "client": BOB, "consultants": [CAROL, DAVE, FRANK]}
    )
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: group.step_message(1))
    assert len(charters(group, ERIN)) == 1


# ---- polish: due dates -------------------------------------------------------------------------------------------
def test_an_actions_due_date_reads_in_each_persons_words_in_the_synthesis_summary_and_home(group: Group) -> None:
    to_consultation(group, need="A plan", expectations="")
    due = (group.services.clock.now().date() + timedelta(days=10)).isoformat()
    consultation_and_synthesis(group, keep="A deputy.", action_1="Name my deputy", due_1=due, got="yes")
    synthesis = eventually(lambda: [m for m in group.thread(5) if "synthesis" in m["text"]])[0]
    assert "<!date^" in str(synthesis["blocks"]) and f"by {due}" not in str(synthesis["blocks"])
    assert f"by {due}" not in synthesis["text"]
    group.slack.open_home(BOB)
    home = eventually(
        lambda: (
            BOB in group.standin.home_views
            and "Name my deputy" in str(group.standin.home_views[BOB]["blocks"])
            and group.standin.home_views[BOB]
        )
    )
    # Slack writes the day in each reader's words; the fallback is the day as Babel writes it in Bob's language.
    fallback = format_day(date.fromisoformat(due))
    assert f"|{fallback}>" in str(home["blocks"]) and "<!date^" in str(home["blocks"])
    assert f"by {due}" not in str(home["blocks"])


def test_after_a_hand_over_the_debrief_is_offered_to_whoever_facilitated_at_the_end(group: Group) -> None:
    at(group, TUESDAY_AFTERNOON)
    group.start()
    group.click(ALICE, ids.HANDOVER, step=1)
    view = group.modal(ALICE, ids.HANDOVER_VIEW)
    assert group.slack.submit(ALICE, view["id"], {"to": CAROL}).status == 200
    eventually(lambda: session(group).facilitator_id == CAROL)
    eventually(lambda: option(group.facilitator_menu(1), ids.END)["value"].endswith(f":{session(group).version}"))
    group.click(CAROL, ids.END, step=1)
    eventually(lambda: session(group).status is Status.ENDED)
    eventually(lambda: session(group).summary_state == "proposed")
    bob_dm = group.standin.dm_channel(BOB)
    eventually(lambda: [m for m in group.standin.messages(bob_dm) if ids.SUMMARY_POST in str(m.get("blocks"))])
    group.slack.click(BOB, ids.SUMMARY_POST, channel_id=bob_dm)
    eventually(lambda: session(group).summary_state == "posted")
    (carols,) = eventually(lambda: after_dms(group, CAROL))
    assert DEBRIEF_OPEN in str(carols["blocks"]), "the facilitator at the end is offered the debrief"
    settle(group.services)
    assert all(DEBRIEF_OPEN not in str(m["blocks"]) for p in EVERYONE if p != CAROL for m in after_dms(group, p))
    assert all(len(after_dms(group, p)) <= 1 for p in EVERYONE), "one DM each at most"


def test_an_evaluation_left_unanswered_is_refused_in_the_modal_and_outsiders_get_no_form(group: Group) -> None:
    at(group, TUESDAY_AFTERNOON)
    create_group(group, EVERYONE, evaluation_every="1")
    eventually(lambda: the_group(group).evaluation_every == 1)
    a_session_ends_with_its_summary_posted(group)
    eventually(lambda: evaluation_dms(group, CAROL))
    group.slack.click(CAROL, EVALUATION_OPEN, channel_id=group.standin.dm_channel(CAROL))
    modal = group.modal(CAROL, EVALUATION_VIEW)
    missing = group.slack.submit(CAROL, modal["id"], {"climate": "4"}).json()
    assert missing.get("response_action") == "errors" and {"listening", "method"} <= set(missing["errors"])
    comment = next(b for b in modal["blocks"] if b.get("block_id") == "comment")
    assert comment["optional"] and comment["element"]["max_length"] <= 3000, "Slack itself stops a long comment"
    assert rows(group, EvaluationResponse) == []
    # Someone who is not in the group forges a click on Carol's evaluation: refused kindly, no form opens.
    group.standin.add_user("U0GRACE", "Grace")
    evaluation_id = str(rows(group, GroupEvaluation)[0].id)
    group.slack.post_payload(
        group.slack.click_payload(
            "U0GRACE",
            EVALUATION_OPEN,
            channel_id=group.standin.dm_channel(CAROL),
            message_ts="1.0",
            value=evaluation_id,
        )
    )
    settle(group.services)
    assert not [v for v in group.standin.views_for("U0GRACE") if v["callback_id"] == EVALUATION_VIEW]


def test_a_contract_written_twice_and_long_is_restated_as_last_written_within_slacks_limits(group: Group) -> None:
    to_contract(group)
    write_contract(group, need="A first, hasty need", expectations="")
    before = {v["id"] for v in group.standin.views_for(BOB)}
    group.click(BOB, ids.CONTRACT_OPEN, step=3)
    view = eventually(
        lambda: [
            v for v in group.standin.views_for(BOB) if v["callback_id"] == ids.CONTRACT_VIEW and v["id"] not in before
        ]
    )[-1]
    reply = group.slack.submit(BOB, view["id"], {"problem": "p" * 2900, "need": "n" * 2900, "expectations": "e" * 2900})
    assert reply.status == 200 and not reply.body, reply
    contract = eventually(lambda: [m for m in group.thread(3) if "n" * 200 in texts(m)])
    assert len([m for m in group.thread(3) if "contract" in m["text"]]) == 1, "written again: the same post, updated"
    assert contract[0]["text"] == "Bob's contract"
    group.click(ALICE, ids.NEXT, step=3)
    consultation = eventually(lambda: group.step_message(4))
    shown = str(consultation["blocks"])
    assert "A first, hasty need" not in shown, "the contract as last written"
    assert "n" * 200 in shown and "p" * 200 in shown
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in consultation["blocks"])
    assert len(consultation["text"]) <= 4000
