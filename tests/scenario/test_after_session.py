"""The loop after the session: the Learning prompts, one DM each once the summary is posted, the
facilitator's debrief to their own journal, and the group's anonymous evaluation every N sessions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from bot.domain.steps import Step
from bot.slack import ids
from bot.slack.after import AFTER_MESSAGE, MAX_DM_ATTEMPTS
from bot.slack.blocks.after import DEBRIEF_OPEN, DEBRIEF_VIEW, EVALUATION_OPEN, EVALUATION_VIEW
from bot.storage.models import (
    CodevGroup,
    EvaluationResponse,
    EvaluationVoter,
    GroupEvaluation,
    JournalEntry,
    OutboxMessage,
)
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, PEOPLE, Group, eventually
from tests.scenario.test_groups import create_group

EVERYONE = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK]
TUESDAY_AFTERNOON = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 16:00 in Paris, 10:00 in Montreal: all at work
PROMPT = "What do you take away"


def at(group: Group, moment: datetime) -> None:
    group.services.clock.set(moment)
    group.tick()


def rows(group: Group, model: Any, *where: Any) -> list[Any]:
    with group.services.db.read() as session:
        return list(session.exec(select(model).where(*where)).all())


def dms(group: Group, user_id: str) -> list[dict[str, Any]]:
    return group.standin.messages(group.standin.dm_channel(user_id))


def after_dms(group: Group, user_id: str) -> list[dict[str, Any]]:
    return [m for m in dms(group, user_id) if PROMPT in str(m.get("blocks"))]


def evaluation_dms(group: Group, user_id: str) -> list[dict[str, Any]]:
    return [m for m in dms(group, user_id) if "evaluation of how" in m.get("text", "")]


def running_id(group: Group) -> int:
    return eventually(lambda: group.services.sessions.running_in(group.standin.team_id, group.channel))[0].id


def a_session_ends_with_its_summary_posted(
    group: Group, topic: str = "Handing over my team", *, pace: str = "live"
) -> int:
    """Alice facilitates, Bob brings the challenge; Alice ends it, Bob posts the summary."""
    view = group.open_start_modal(ALICE, topic)
    if pace != "live":
        group.slack.choose(ALICE, view["id"], ids.START_PACE, pace, {"client": BOB})
        eventually(lambda: "timekeeping" in str(group.standin.views[view["id"]]["blocks"]))
        view = group.standin.views[view["id"]]
    assert not group.submit_start(view, facilitator=ALICE).body
    session_id = running_id(group)
    team = group.standin.team_id
    eventually(lambda: group.services.sessions.get(team, session_id).steps[Step.PRESENTATION].message_ts)
    asked = [r for r in group.standin.responses if ids.END in str(r.get("blocks"))]
    group.slack.click(ALICE, ids.END, channel_id=group.channel)
    ended = eventually(lambda: group.services.sessions.get(team, session_id).ended_at or asked_to_confirm(group, asked))
    if ended is True:  # the facilitator is asked to confirm
        group.slack.click_in_response(ALICE, ids.END)
    eventually(lambda: group.services.sessions.get(team, session_id).summary_state == "proposed")
    dm = group.standin.dm_channel(BOB)
    eventually(lambda: [m for m in group.standin.messages(dm) if ids.SUMMARY_POST in str(m.get("blocks"))])
    group.slack.click(BOB, ids.SUMMARY_POST, channel_id=dm)
    eventually(lambda: group.services.sessions.get(team, session_id).summary_state == "posted")
    return session_id


def asked_to_confirm(group: Group, before: list[dict[str, Any]]) -> bool:
    return len([r for r in group.standin.responses if ids.END in str(r.get("blocks"))]) > len(before)


def a_group_evaluating_every(group: Group, every: int) -> None:
    create_group(group, EVERYONE)
    with group.services.db.session() as session:
        session.exec(
            update(CodevGroup).where(col(CodevGroup.channel_id) == group.channel).values(evaluation_every=every)
        )


def evaluate(group: Group, user_id: str, climate: int, listening: int, method: int, comment: str = "") -> None:
    dm = group.standin.dm_channel(user_id)
    eventually(lambda: evaluation_dms(group, user_id))
    before = {v["id"] for v in group.standin.views_for(user_id)}
    group.slack.click(user_id, EVALUATION_OPEN, channel_id=dm)
    modal = eventually(
        lambda: [
            v for v in group.standin.views_for(user_id) if v["callback_id"] == EVALUATION_VIEW and v["id"] not in before
        ]
    )[-1]
    values = {"climate": str(climate), "listening": str(listening), "method": str(method)}
    reply = group.slack.submit(user_id, modal["id"], {**values, **({"comment": comment} if comment else {})})
    assert reply.status == 200 and not reply.body, reply


def results(group: Group) -> list[dict[str, Any]]:
    return [m for m in group.messages() if "evaluation:" in m.get("text", "")]


# ---- the Learning step ------------------------------------------------------------------------------------
def test_the_learning_step_offers_the_methods_four_prompts(group: Group) -> None:
    group.start()
    for step in range(1, 6):
        group.slack.click(ALICE, ids.NEXT, channel_id=group.channel)
        eventually(lambda s=step: group.current_step() == s + 1 and group.step_message(s + 1))
    learning = str(group.step_message(6)["blocks"])
    for prompt in ("What I appreciated", "What I expected", "whether it came", "What I learned", "What I will apply"):
        assert prompt in learning, prompt
    for step in range(1, 6):
        assert "What I appreciated" not in str(group.step_message(step)["blocks"])


# ---- one DM each once the summary is posted ---------------------------------------------------------------
def test_once_the_summary_is_posted_each_participant_gets_one_dm_with_its_link(group: Group) -> None:
    at(group, TUESDAY_AFTERNOON)
    session_id = a_session_ends_with_its_summary_posted(group)
    summary_ts = group.services.sessions.get(group.standin.team_id, session_id).summary_ts
    link = f"archives/{group.channel}/p{summary_ts.replace('.', '')}"
    for person in EVERYONE:
        eventually(lambda p=person: after_dms(group, p))
    group.tick()  # the scheduler comes by: nothing is sent twice
    for person in EVERYONE:
        (message,) = after_dms(group, person)
        assert link in str(message["blocks"]), person
        assert "private" in str(message["blocks"]) and "journal" in str(message["blocks"])
        assert (DEBRIEF_OPEN in str(message["blocks"])) is (person == ALICE), person

    # Bob replies to it: the bot's DM is his journal, as always.
    group.slack.event(
        {
            "type": "message",
            "channel": group.standin.dm_channel(BOB),
            "channel_type": "im",
            "user": BOB,
            "text": "Delegating earlier is what I take away.",
            "ts": group.standin.new_ts(),
        }
    )
    eventually(lambda: rows(group, JournalEntry, JournalEntry.user_id == BOB, JournalEntry.origin == "dm"))


def test_in_an_async_session_the_dm_waits_for_each_persons_working_hours(group: Group) -> None:
    at(group, datetime(2026, 12, 1, 17, 30, tzinfo=UTC))  # 18:30 in Europe: off; 12:30 in Montreal and Toronto
    a_session_ends_with_its_summary_posted(group, pace="async")
    eventually(lambda: after_dms(group, BOB) and after_dms(group, ERIN))
    group.tick()
    assert not any(after_dms(group, p) for p in (ALICE, CAROL, DAVE, FRANK)), "Europe has gone home"
    at(group, datetime(2026, 12, 2, 8, 0, tzinfo=UTC))  # 09:00 in Paris and Brussels
    for person in EVERYONE:
        assert len(eventually(lambda p=person: after_dms(group, p))) == 1, person
    assert DEBRIEF_OPEN in str(after_dms(group, ALICE)[0]["blocks"])


def test_the_facilitators_debrief_goes_to_their_own_journal_and_nobody_elses(group: Group) -> None:
    at(group, TUESDAY_AFTERNOON)
    session_id = a_session_ends_with_its_summary_posted(group)
    dm = group.standin.dm_channel(ALICE)
    offer = eventually(lambda: after_dms(group, ALICE))[0]

    # Carol forges a click on Alice's button: refused kindly.
    value = str(session_id)
    group.slack.post_payload(
        group.slack.click_payload(CAROL, DEBRIEF_OPEN, channel_id=dm, message_ts=offer["ts"], value=value)
    )
    eventually(lambda: any("Only the session's facilitator" in r.get("text", "") for r in group.standin.responses))
    assert not [v for v in group.standin.views_for(CAROL) if v["callback_id"] == DEBRIEF_VIEW]

    group.slack.click(ALICE, DEBRIEF_OPEN, channel_id=dm, message_ts=offer["ts"])
    modal = group.modal(ALICE, DEBRIEF_VIEW)
    assert {b.get("block_id") for b in modal["blocks"]} >= {"frame", "timing", "climate"}
    empty = group.slack.submit(ALICE, modal["id"], {}).json()
    assert "at least one" in empty["errors"]["frame"]
    answers = {"frame": "I let advice slip into Clarification.", "timing": "Consultation ran short.", "climate": ""}
    assert not group.slack.submit(ALICE, modal["id"], answers).body

    (entry,) = eventually(lambda: rows(group, JournalEntry, JournalEntry.origin == "debrief"))
    assert (entry.user_id, entry.session_id) == (ALICE, session_id)
    assert "advice slip into Clarification" in entry.text and "Consultation ran short" in entry.text
    assert not rows(group, JournalEntry, JournalEntry.origin == "debrief", JournalEntry.user_id != ALICE)
    # The DM keeps the link and says where the debrief went; its button is gone.
    updated = eventually(lambda: (m := group.standin.message(dm, offer["ts"])) and "edited" in m and m)
    assert DEBRIEF_OPEN not in str(updated["blocks"]) and "journal" in str(updated["blocks"])


# ---- the group's evaluation -----------------------------------------------------------------------------
def test_every_second_session_the_members_evaluate_the_group_anonymously(group: Group) -> None:
    at(group, TUESDAY_AFTERNOON)
    a_group_evaluating_every(group, 2)
    a_session_ends_with_its_summary_posted(group, "First challenge")
    eventually(lambda: after_dms(group, FRANK))
    assert not any(evaluation_dms(group, p) for p in EVERYONE), "not after the first session"

    a_session_ends_with_its_summary_posted(group, "Second challenge")
    for person in EVERYONE:
        assert len(eventually(lambda p=person: evaluation_dms(group, p))) == 1

    evaluate(group, CAROL, 4, 5, 3, "We rush the contract.")
    evaluate(group, DAVE, 5, 4, 4)
    eventually(lambda: len(rows(group, EvaluationResponse)) == 2)
    group.tick()
    assert results(group) == [], "nothing is shown before three people answered"

    # Dave's DM now thanks him; a click on its old button (a second device, a stale screen) is refused kindly.
    (asked,) = evaluation_dms(group, DAVE) or [m for m in dms(group, DAVE) if "evaluation of" in m.get("text", "")]
    dave_dm = group.standin.dm_channel(DAVE)
    eventually(lambda: EVALUATION_OPEN not in str(group.standin.message(dave_dm, asked["ts"])["blocks"]))
    evaluation_id = str(rows(group, GroupEvaluation)[0].id)
    group.slack.post_payload(
        group.slack.click_payload(
            DAVE, EVALUATION_OPEN, channel_id=dave_dm, message_ts=asked["ts"], value=evaluation_id
        )
    )
    eventually(lambda: any("already answered" in r.get("text", "") for r in group.standin.responses))
    assert len(rows(group, EvaluationResponse)) == 2

    # Erin opens the form twice (two windows) and sends both: the second is refused kindly.
    erin_dm = group.standin.dm_channel(ERIN)
    eventually(lambda: evaluation_dms(group, ERIN))
    for _ in range(2):
        group.slack.click(ERIN, EVALUATION_OPEN, channel_id=erin_dm)
    first, second = eventually(
        lambda: (v := [v for v in group.standin.views_for(ERIN) if v["callback_id"] == EVALUATION_VIEW])[1:] and v
    )
    answer = {"climate": "3", "listening": "3", "method": "2", "comment": "Alice keeps the frame well."}
    assert not group.slack.submit(ERIN, first["id"], answer).body
    again = group.slack.submit(ERIN, second["id"], answer).json()
    assert again["response_action"] == "update" and "already answered" in str(again["view"]["blocks"])
    (shown,) = eventually(lambda: results(group))
    text = str(shown["blocks"]) + shown["text"]
    assert "3 answers" in text
    assert "4.0" in text and "4.0" in text and "3.0" in text  # climate 4.0, listening 4.0, method 3.0
    assert "We rush the contract." in text and "Alice keeps the frame well." in text
    assert "<@" not in text
    for _user_id, name, _tz in PEOPLE:
        assert name not in text.replace("Alice keeps", ""), name
    # Comments come sorted by their text, not in the order people answered.
    assert text.index("Alice keeps the frame well.") < text.index("We rush the contract.")

    assert "next update comes at 5 answers" in text

    # A fourth answer changes nothing in the channel: who knows Frank answered last would read his scores in
    # the difference. The fifth refreshes the same message, and says it will not change again (six members).
    evaluate(group, FRANK, 5, 5, 5)
    eventually(lambda: len(rows(group, EvaluationResponse)) == 4)
    group.tick()
    assert "3 answers" in str(group.standin.message(group.channel, shown["ts"])["blocks"])
    assert "edited" not in group.standin.message(group.channel, shown["ts"])
    evaluate(group, ALICE, 1, 2, 3, "More silence after questions.")
    fifth = eventually(
        lambda: (m := group.standin.message(group.channel, shown["ts"])) and "*5 answers*" in str(m["blocks"]) and m
    )
    assert "Shown at 5 answers" in str(fifth["blocks"]) and "next update" not in str(fifth["blocks"])
    assert len(results(group)) == 1

    # Nothing stored says who answered what: answers have no author, voters no answer, and the answers' ids
    # are drawn at random, not counted up in the order people answered.
    assert {c.name for c in EvaluationResponse.__table__.columns}.isdisjoint({"user_id", "created_at"})
    assert len(rows(group, EvaluationVoter)) == 5
    answer_ids = sorted(r.id for r in rows(group, EvaluationResponse))
    assert answer_ids != list(range(answer_ids[0], answer_ids[0] + 5))

    # Forget-me keeps that Carol answered (no words of hers), and says so: she cannot answer twice.
    offer = group.slack.command(CAROL, "forget-me").json()
    assert "group evaluations" in offer["text"] and "answering the same evaluation twice" in offer["text"]
    group.slack.post_payload(
        group.slack.click_payload(
            CAROL, ids.FORGET_ME, channel_id=group.standin.dm_channel(CAROL), message_ts="1.0", value="forget"
        )
    )
    done = eventually(lambda: [r["text"] for r in group.standin.responses if r.get("text", "").startswith("Done.")])
    assert "Kept: the record that you answered a group evaluation" in done[0]
    assert len(rows(group, EvaluationVoter, EvaluationVoter.user_id == CAROL)) == 1
    assert len(rows(group, EvaluationResponse)) == 5
    carol_dm = group.standin.dm_channel(CAROL)
    refusals = len([r for r in group.standin.responses if "already answered" in r.get("text", "")])
    group.slack.post_payload(
        group.slack.click_payload(CAROL, EVALUATION_OPEN, channel_id=carol_dm, message_ts="1.0", value=evaluation_id)
    )
    eventually(lambda: len([r for r in group.standin.responses if "already answered" in r.get("text", "")]) > refusals)
    assert len(rows(group, EvaluationResponse)) == 5


def test_members_off_duty_get_the_evaluation_when_their_day_starts(group: Group) -> None:
    at(group, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # 10:00 in Paris, 04:00 in Montreal and Toronto
    a_group_evaluating_every(group, 1)
    a_session_ends_with_its_summary_posted(group)
    eventually(lambda: all(evaluation_dms(group, p) for p in (ALICE, CAROL, DAVE, FRANK)))
    group.tick()
    assert not evaluation_dms(group, BOB) and not evaluation_dms(group, ERIN)
    assert after_dms(group, BOB), "a live session's people are all there: the summary's link is not held"
    at(group, datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # 09:00 in Montreal and Toronto
    eventually(lambda: evaluation_dms(group, BOB) and evaluation_dms(group, ERIN))


def test_no_evaluation_ever_when_the_group_says_zero(group: Group) -> None:
    at(group, TUESDAY_AFTERNOON)
    a_group_evaluating_every(group, 0)
    for topic in ("First challenge", "Second challenge"):
        a_session_ends_with_its_summary_posted(group, topic)
    eventually(lambda: len(after_dms(group, FRANK)) == 2)
    group.tick()
    assert not any(evaluation_dms(group, p) for p in EVERYONE)
    assert rows(group, GroupEvaluation) == []
    # A forged click on an evaluation that does not exist is answered kindly.
    group.slack.post_payload(
        group.slack.click_payload(
            CAROL, EVALUATION_OPEN, channel_id=group.standin.dm_channel(CAROL), message_ts="1.0", value="42"
        )
    )
    eventually(lambda: any("no longer open" in r.get("text", "") for r in group.standin.responses))


# ---- DMs that Slack refuses hold nobody back --------------------------------------------------------------
def refuse_dms_to(group: Group, user_id: str, error: str) -> list[int]:
    """Slack refuses every DM to this person with `error`; returns a list counting the after-session ones."""
    refused: list[int] = []
    original = group.standin.intercept
    dm = group.standin.dm_channel(user_id)

    def intercept(call: Any) -> Any:
        if call.method == "chat.postMessage" and call.args.get("channel") in (user_id, dm):
            if AFTER_MESSAGE in str(call.args.get("metadata")):  # her after-session DMs (not the charter's)
                refused.append(1)
            return 200, {}, {"ok": False, "error": error}
        return original(call)

    group.standin.intercept = intercept  # type: ignore[method-assign]
    return refused


def outbox_states(group: Group, user_id: str) -> list[str]:
    found = rows(group, OutboxMessage, OutboxMessage.kind == "after")
    return [r.state for r in found if json.loads(r.payload).get("user") == user_id]


def test_a_dm_slack_will_never_take_is_given_up_and_holds_nobody_back(group: Group) -> None:
    at(group, TUESDAY_AFTERNOON)
    a_group_evaluating_every(group, 1)
    refused = refuse_dms_to(group, CAROL, "restricted_action")  # the workspace forbids Carol's DMs from apps
    a_session_ends_with_its_summary_posted(group)
    for person in (ALICE, BOB, DAVE, ERIN, FRANK):
        eventually(lambda p=person: after_dms(group, p) and evaluation_dms(group, p))
    assert eventually(lambda: outbox_states(group, CAROL) == ["dropped", "dropped"])
    assert len(refused) == 2, "tried once each: Slack will answer the same every time"
    for person in (DAVE, ERIN, FRANK):
        evaluate(group, person, 4, 4, 4)
    eventually(lambda: results(group))


def test_a_dm_that_keeps_failing_is_retried_aside_then_given_up(group: Group) -> None:
    at(group, TUESDAY_AFTERNOON)
    refused = refuse_dms_to(group, CAROL, "fatal_error")  # Slack keeps failing on Carol's DM only
    a_session_ends_with_its_summary_posted(group)
    for person in (ALICE, BOB, DAVE, ERIN, FRANK):
        eventually(lambda p=person: after_dms(group, p))
    eventually(lambda: refused)
    assert outbox_states(group, CAROL) == ["pending"]
    for _ in range(30):  # the scheduler comes by every ten minutes
        group.services.clock.advance(timedelta(minutes=10))
        group.tick()
        # An attempt runs aside: let it end (on a busy machine it may outlast the tick) before the clock moves.
        eventually(lambda: outbox_states(group, CAROL) != ["firing"])
        if outbox_states(group, CAROL) == ["dropped"]:
            break
    assert outbox_states(group, CAROL) == ["dropped"]
    assert len(refused) == MAX_DM_ATTEMPTS
    assert not after_dms(group, CAROL)
    assert all(len(after_dms(group, p)) == 1 for p in (ALICE, BOB, DAVE, ERIN, FRANK)), "nobody got it twice"


# ---- forget-me ----------------------------------------------------------------------------------------------
def test_forget_me_cancels_the_dms_still_held_for_the_persons_working_hours(group: Group) -> None:
    at(group, datetime(2026, 12, 1, 17, 30, tzinfo=UTC))  # 18:30 in Europe: off; 12:30 in Montreal and Toronto
    a_group_evaluating_every(group, 1)
    a_session_ends_with_its_summary_posted(group, pace="async")
    eventually(lambda: after_dms(group, BOB) and evaluation_dms(group, BOB))
    assert outbox_states(group, CAROL) == ["pending", "pending"]

    group.slack.post_payload(
        group.slack.click_payload(
            CAROL, ids.FORGET_ME, channel_id=group.standin.dm_channel(CAROL), message_ts="1.0", value="forget"
        )
    )
    eventually(lambda: [r for r in group.standin.responses if r.get("text", "").startswith("Done.")])
    assert outbox_states(group, CAROL) == []
    at(group, datetime(2026, 12, 2, 8, 0, tzinfo=UTC))  # 09:00 in Paris
    for person in (ALICE, DAVE, FRANK):
        eventually(lambda p=person: after_dms(group, p) and evaluation_dms(group, p))
    group.tick()
    assert not after_dms(group, CAROL) and not evaluation_dms(group, CAROL)


# ---- the summary's link, asked once -------------------------------------------------------------------------
def test_the_summarys_link_is_written_once_for_all_the_dms_without_asking_slack(group: Group) -> None:
    at(group, TUESDAY_AFTERNOON)
    session_id = a_session_ends_with_its_summary_posted(group)
    for person in EVERYONE:
        eventually(lambda p=person: after_dms(group, p))
    snapshot = group.services.sessions.get(group.standin.team_id, session_id)
    # A reply in the root's thread, linked as Slack links it (issue 16: no chat.getPermalink per session).
    link = (
        f"https://codev-sandbox.slack.com/archives/{group.channel}/p{snapshot.summary_ts.replace('.', '')}"
        f"?thread_ts={snapshot.root_ts}&cid={group.channel}"
    )
    assert all(link in str(after_dms(group, person)) for person in EVERYONE)
    assert not group.standin.calls_to("chat.getPermalink")
