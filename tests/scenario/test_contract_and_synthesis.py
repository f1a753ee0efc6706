"""Clarification, contract and consultation as the method runs them: the client reformulates the problem in the
contract, the Consultation message restates the contract, the synthesis answers "did you get what you asked
for?", and the client edits the summary's fields (never its mrkdwn) before it is posted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.domain.steps import Step
from bot.domain.timers import EventState
from bot.services.tasks import TaskKind
from bot.slack import ids
from bot.storage.models import Contribution, ScheduledTask
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually

PROBLEM = "Less about my leave than about a team that waits for me to decide."
NEED = "A way to hand decisions over before I go"
EXPECTATIONS = "Your own handovers, good and bad"


def texts(message: dict[str, Any]) -> str:
    return str(message.get("blocks")) + message.get("text", "")


def to_contract(group: Group) -> None:
    """Presentation and Clarification, as a session goes: Bob presents, the consultants ask."""
    group.start("Handing over my team")
    group.reply(BOB, 1, "I lead a team of 6 and go on leave for 3 months.")
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    group.reply(CAROL, 2, "Who decides today when you are away for a day?")
    group.reply(DAVE, 2, "What does the team expect from you?")
    group.click(ALICE, ids.NEXT, step=2)
    eventually(lambda: group.step_message(3))


def write_contract(group: Group, **values: str) -> None:
    group.click(BOB, ids.CONTRACT_OPEN, step=3)
    view = group.modal(BOB, ids.CONTRACT_VIEW)
    reply = group.slack.submit(BOB, view["id"], values)
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: any(values["need"] in texts(m) for m in group.thread(3)))


def to_consultation(group: Group, **contract: str) -> dict[str, Any]:
    to_contract(group)
    if contract:
        write_contract(group, **contract)
    group.click(ALICE, ids.NEXT, step=3)
    return eventually(lambda: group.step_message(4))


def consultation_and_synthesis(group: Group, **synthesis: Any) -> None:
    """Erin and Frank offer ideas; Bob writes his synthesis with what he keeps, his actions and his answer."""
    group.reply(ERIN, 4, "Name a deputy and write down the decisions they can make.")
    group.reply(FRANK, 4, "In my team we used a weekly async check-in.")
    group.click(ALICE, ids.NEXT, step=4)
    eventually(lambda: group.step_message(5))
    group.click(BOB, ids.SYNTHESIS_OPEN, step=5)
    view = group.modal(BOB, ids.SYNTHESIS_VIEW)
    reply = group.slack.submit(BOB, view["id"], synthesis)
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: any("synthesis" in m["text"] for m in group.thread(5)))


def summary_dm(group: Group) -> dict[str, Any]:
    dm = group.standin.dm_channel(BOB)
    return eventually(lambda: [m for m in group.standin.messages(dm) if ids.SUMMARY_EDIT in str(m.get("blocks"))])[-1]


def posted_summary(group: Group) -> dict[str, Any]:
    return eventually(lambda: group.standin.thread(group.channel, group.root()["ts"]))[0]


def initial_values(view: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block.get("element") or {}
        for key in ("initial_value", "initial_user", "initial_date", "initial_options"):
            if key in element:
                found[element["action_id"]] = element[key]
    return found


def synthesis_again(group: Group) -> dict[str, Any]:
    """Bob opens the synthesis modal once more: the new one, not the one he submitted."""
    before = {v["id"] for v in group.standin.views_for(BOB)}
    group.click(BOB, ids.SYNTHESIS_OPEN, step=5)
    return eventually(
        lambda: [v for v in group.standin.views_for(BOB) if v["callback_id"] == "synthesis" and v["id"] not in before]
    )[-1]


def in_days(group: Group, days: int) -> str:
    return (group.services.clock.now().date() + timedelta(days=days)).isoformat()


# ---- the contract ----------------------------------------------------------------------------------------------
def test_the_client_reformulates_the_problem_in_the_contract_and_consultation_opens_with_it(group: Group) -> None:
    to_contract(group)
    group.click(BOB, ids.CONTRACT_OPEN, step=3)
    view = group.modal(BOB, ids.CONTRACT_VIEW)
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert "How I see my problem now" in labels, "after Clarification the client may say the problem anew"
    problem_block = next(b for b in view["blocks"] if b.get("block_id") == "problem")
    assert problem_block["optional"] and problem_block["element"]["multiline"]

    reply = group.slack.submit(BOB, view["id"], {"problem": PROBLEM, "need": NEED, "expectations": EXPECTATIONS})
    assert reply.status == 200 and not reply.body
    contract = eventually(lambda: [m for m in group.thread(3) if NEED in texts(m)])[0]
    assert "How I see my problem now" in str(contract["blocks"]) and PROBLEM in str(contract["blocks"])
    assert EXPECTATIONS in str(contract["blocks"])

    group.click(ALICE, ids.NEXT, step=3)
    consultation = eventually(lambda: group.step_message(4))
    restated = consultation["blocks"][1]["text"]["text"]
    assert consultation["blocks"][0]["type"] == "header", "the contract comes first, under the step's title"
    assert "The contract" in restated
    assert PROBLEM in restated and NEED in restated and EXPECTATIONS in restated
    contract_thread = group.step_message(3)
    assert contract_thread is not None
    link = f"https://codev-sandbox.slack.com/archives/{group.channel}/p{contract_thread['ts'].replace('.', '')}"
    assert f"<{link}|" in restated, "it links to the Contract thread"

    # Later refreshes of the message (someone is done) keep the contract and its link.
    group.reply(ERIN, 4, "One hypothesis: the team waits because deciding was always yours.")
    group.click(ERIN, ids.DONE, step=4)
    eventually(lambda: "Done: 1/" in str((group.step_message(4) or {}).get("blocks")))
    refreshed = group.step_message(4)
    assert refreshed is not None and f"<{link}|" in refreshed["blocks"][1]["text"]["text"]


def test_without_a_contract_the_consultation_message_says_so_plainly(group: Group) -> None:
    consultation = to_consultation(group)
    restated = consultation["blocks"][1]["text"]["text"]
    assert "No contract was written" in restated
    assert "Need:" not in str(consultation["blocks"]), "no contract is made up"


def test_a_contract_without_reformulation_restates_need_and_expectations_only(group: Group) -> None:
    consultation = to_consultation(group, need=NEED, expectations="")
    restated = consultation["blocks"][1]["text"]["text"]
    assert NEED in restated
    assert "sees the problem now" not in restated and "Expectations" not in restated
    contract = next(m for m in group.thread(3) if NEED in texts(m))
    assert "How I see my problem now" not in str(contract["blocks"])


def test_a_huge_contract_is_refused_inline(group: Group) -> None:
    to_contract(group)
    group.click(BOB, ids.CONTRACT_OPEN, step=3)
    view = group.modal(BOB, ids.CONTRACT_VIEW)
    reply = group.slack.submit(BOB, view["id"], {"problem": "x" * 3200, "need": NEED})
    assert reply.json()["response_action"] == "errors"
    assert "under 3000 characters" in reply.json()["errors"]["problem"]
    assert group.thread(3) == [], "nothing is posted"


# ---- the synthesis and the summary -----------------------------------------------------------------------
def test_did_you_get_what_you_asked_for_then_the_summary_edited_by_its_fields(group: Group) -> None:
    to_consultation(group, problem=PROBLEM, need=NEED, expectations=EXPECTATIONS)
    group.reply(BOB, 4, "Actually I did try a deputy once.")  # off-role: not what the client is expected to say
    group.reply(ERIN, 4, "Name a deputy and write down the decisions they can make.")
    group.reply(FRANK, 4, "In my team we used a weekly async check-in.")
    group.click(ALICE, ids.NEXT, step=4)
    eventually(lambda: group.step_message(5))

    group.click(BOB, ids.SYNTHESIS_OPEN, step=5)
    view = group.modal(BOB, ids.SYNTHESIS_VIEW)
    shown = str(view["blocks"])
    assert "Your contract" in shown and NEED in shown and PROBLEM in shown, "the question is asked against it"
    got = next(b for b in view["blocks"] if b.get("block_id") == "got")
    assert got["label"]["text"] == "Did you get what you asked for?"
    assert got["element"]["type"] == "radio_buttons"
    assert [o["value"] for o in got["element"]["options"]] == ["yes", "partly", "no"]

    due = in_days(group, 14)
    huge = group.slack.submit(BOB, view["id"], {"keep": "A deputy.", "got": "partly", "got_note": "x" * 3100})
    assert "under 3000 characters" in huge.json()["errors"]["got_note"]
    unanswered = group.slack.submit(BOB, view["id"], {"keep": "A deputy.", "got_note": "Some of it."})
    assert "yes, partly or no" in unanswered.json()["errors"]["got"]
    reply = group.slack.submit(
        BOB,
        view["id"],
        {
            "keep": "Less <drama> & a deputy with a clear mandate.",
            "action_1": "Name my deputy",
            "due_1": due,
            "got": "partly",
            "got_note": "Ideas for the deputy, nothing yet on the team's habit of waiting.",
        },
    )
    assert reply.status == 200 and not reply.body, reply
    synthesis = eventually(lambda: [m for m in group.thread(5) if "synthesis" in m["text"]])[0]
    posted = str(synthesis["blocks"])
    assert "Did I get what I asked for?* Partly." in posted
    assert "nothing yet on the team's habit of waiting" in posted
    assert "<!date^" in posted and "{date_short_pretty}" in posted and f"by {due}" not in posted

    group.click(ALICE, ids.NEXT, step=5)
    eventually(lambda: group.step_message(6))
    group.reply(BOB, 6, "I will delegate earlier.")
    group.reply(CAROL, 6, "Questions first, advice later.")
    group.click(ALICE, ids.NEXT, step=6)

    dm = summary_dm(group)
    proposed = str(dm["blocks"])
    assert "Did the client get what they asked for?* Partly." in proposed
    assert "How the client sees the problem now" in proposed and PROBLEM in proposed
    assert "<!date^" in proposed and f"by {due}" not in proposed
    # What each role was expected to say: Bob's reply in Consultation is not counted, his contract and his
    # synthesis (written in modals) are.
    assert "Presentation: 1" in proposed and "Clarification: 2" in proposed and "Learning: 2" in proposed
    assert "Consultation: 2" in proposed
    assert "Contract: 1 (the client's contract counts as one)" in proposed
    assert "(the client's synthesis counts as one)" in proposed
    assert "the client 4 · the consultants" in proposed

    # Bob edits the summary: fields, not mrkdwn.
    group.slack.click(BOB, ids.SUMMARY_EDIT, channel_id=group.standin.dm_channel(BOB))
    edit = group.modal(BOB, ids.SUMMARY_EDIT_VIEW)
    initial = initial_values(edit)
    assert initial["keep"] == "Less <drama> & a deputy with a clear mandate.", "what he typed, unescaped"
    assert initial["action_1"] == "Name my deputy" and initial["owner_1"] == BOB and initial["due_1"] == due
    assert not any("<@" in str(v) or "&lt;" in str(v) or "&amp;" in str(v) for v in initial.values())
    labels = [b["label"]["text"] for b in edit["blocks"] if b["type"] == "input"]
    assert "What I keep" in labels and "Who does action 2" in labels

    # Bad input is answered in the modal, which stays open.
    empty = group.slack.submit(BOB, edit["id"], {"keep": "", "action_1": "", "kept": []})
    assert empty.json()["response_action"] == "errors" and "summary needs" in empty.json()["errors"]["keep"]
    huge = group.slack.submit(BOB, edit["id"], {"keep": "x" * 3500})
    assert "under 3000 characters" in huge.json()["errors"]["keep"]
    ownerless = group.slack.submit(BOB, edit["id"], {"action_2": "Tell the team", "owner_2": ""})
    assert "who does" in ownerless.json()["errors"]["owner_2"]
    past = group.slack.submit(BOB, edit["id"], {"action_2": "Tell the team", "due_2": in_days(group, -3)})
    assert "owner_2" not in past.json()["errors"] and "due_2" in past.json()["errors"]
    assert group.standin.thread(group.channel, group.root()["ts"]) == [], "nothing is posted on refusals"

    later = in_days(group, 7)
    reply = group.slack.submit(
        BOB,
        edit["id"],
        {"keep": "A deputy, named this week.", "action_2": "Tell the team", "owner_2": CAROL, "due_2": later},
    )
    assert reply.status == 200 and not reply.body, reply
    summary = str(posted_summary(group)["blocks"])
    assert "A deputy, named this week." in summary and "Less &lt;drama&gt;" not in summary
    assert "Tell the team" in summary and f"<@{CAROL}>" in summary
    assert "Name my deputy" in summary
    assert summary.count("<!date^") == 2 and f"by {later}" not in summary
    assert "Partly." in summary and "Contract: 1 (the client's contract counts as one)" in summary

    snapshot = group.services.sessions.get(group.standin.team_id, 1)
    assert [(a.text, a.owner_id, a.due_date.isoformat() if a.due_date else None) for a in snapshot.actions] == [
        ("Name my deputy", BOB, due),
        ("Tell the team", CAROL, later),
    ]
    assert snapshot.synthesis_got == "partly"
    eventually(lambda: group.services.sessions.get(group.standin.team_id, 1).summary_state == "posted")
    assert summary_dm_done(group), "the DM tells Bob it was posted"


def summary_dm_done(group: Group) -> list[dict[str, Any]]:
    return eventually(
        lambda: [m for m in group.standin.messages(group.standin.dm_channel(BOB)) if "Posted the summary" in m["text"]]
    )


def test_a_summary_edit_submitted_twice_posts_once(group: Group) -> None:
    to_consultation(group, need=NEED, expectations=EXPECTATIONS)
    consultation_and_synthesis(group, keep="A deputy.", action_1="Name my deputy", got="yes")
    synthesis = next(m for m in group.thread(5) if "synthesis" in m["text"])
    assert "Did I get what I asked for?* Yes." in str(synthesis["blocks"])
    group.click(ALICE, ids.NEXT, step=5)
    eventually(lambda: group.step_message(6))
    group.click(ALICE, ids.NEXT, step=6)
    summary_dm(group)
    group.slack.click(BOB, ids.SUMMARY_EDIT, channel_id=group.standin.dm_channel(BOB))
    edit = group.modal(BOB, ids.SUMMARY_EDIT_VIEW)
    first = group.slack.submit(BOB, edit["id"], {"keep": "A deputy, soon."})
    second = group.slack.submit(BOB, edit["id"], {"keep": "A deputy, soon."})
    assert first.status == 200 and second.status == 200
    summary = str(posted_summary(group)["blocks"])
    assert "A deputy, soon." in summary and "Did the client get what they asked for?* Yes." in summary
    assert len(group.standin.thread(group.channel, group.root()["ts"])) == 1, "posted once"


def test_someone_else_cannot_edit_the_summary(group: Group) -> None:
    to_consultation(group, need=NEED)
    consultation_and_synthesis(group, keep="A deputy.")
    group.click(ALICE, ids.NEXT, step=5)
    eventually(lambda: group.step_message(6))
    group.click(ALICE, ids.NEXT, step=6)
    summary_dm(group)
    group.slack.click(BOB, ids.SUMMARY_EDIT, channel_id=group.standin.dm_channel(BOB))
    edit = group.modal(BOB, ids.SUMMARY_EDIT_VIEW)
    forged = group.slack.submit(ALICE, edit["id"], {"keep": "Alice's version"})
    assert forged.json()["response_action"] == "errors" and "Only the client" in forged.json()["errors"]["keep"]
    assert group.standin.thread(group.channel, group.root()["ts"]) == []


def test_clearing_one_action_in_the_summary_edit_deletes_that_one_and_its_follow_up(group: Group) -> None:
    days = {n: in_days(group, 7 * n) for n in (1, 2, 3, 4)}
    to_consultation(group, need=NEED)
    consultation_and_synthesis(
        group,
        keep="A deputy.",
        action_1="Name my deputy",
        due_1=days[1],
        action_2="Tell the team",
        due_2=days[2],
        action_3="Write the decision list",
        due_3=days[3],
    )
    before = eventually(lambda: group.services.sessions.get(group.standin.team_id, 1).actions)
    deputy, tell, write = (a.id for a in before)
    tasks = group.services.followups.tasks
    eventually(lambda: all(tasks.pending_due(TaskKind.FOLLOW_UP, a) for a in (deputy, tell, write)))
    group.click(ALICE, ids.NEXT, step=5)
    eventually(lambda: group.step_message(6))
    group.click(ALICE, ids.NEXT, step=6)
    summary_dm(group)

    # Bob clears his first action, changes the third's date and writes a fourth.
    group.slack.click(BOB, ids.SUMMARY_EDIT, channel_id=group.standin.dm_channel(BOB))
    edit = group.modal(BOB, ids.SUMMARY_EDIT_VIEW)
    reply = group.slack.submit(
        BOB, edit["id"], {"action_1": "", "due_3": days[4], "action_4": "Ask HR", "owner_4": CAROL}
    )
    assert reply.status == 200 and not reply.body, reply
    summary = str(posted_summary(group)["blocks"])
    assert "Name my deputy" not in summary
    assert "Tell the team" in summary and "Write the decision list" in summary and "Ask HR" in summary

    after = group.services.sessions.get(group.standin.team_id, 1).actions
    assert [(a.text, a.due_date.isoformat() if a.due_date else None) for a in after] == [
        ("Tell the team", days[2]),
        ("Write the decision list", days[4]),
        ("Ask HR", None),
    ]
    assert [a.id for a in after][:2] == [tell, write], "each action keeps its own row, matched by id"
    assert after[2].owner_id == CAROL and after[2].id not in (deputy, tell, write)
    assert tasks.pending_due(TaskKind.FOLLOW_UP, deputy) is None, "the cleared action's follow-up will not come"
    assert tasks.pending_due(TaskKind.FOLLOW_UP, tell) is not None
    assert eventually(lambda: tasks.pending_due(TaskKind.FOLLOW_UP, write)).date().isoformat() >= days[4]


def test_the_synthesis_modal_shows_the_replies_kept_as_they_were_kept(group: Group) -> None:
    to_consultation(group, need=NEED)
    group.reply(ERIN, 4, "Name a deputy and write down the decisions they can make.")
    group.reply(CAROL, 4, "")  # an attachment without a word: nothing to keep
    frank = group.stored(group.reply(FRANK, 4, "In my team we used a weekly async check-in.")["ts"])
    group.reply(DAVE, 4, "Ask HR what a deputy may sign.")
    assert frank is not None and frank.id is not None
    group.click(ALICE, ids.NEXT, step=4)
    eventually(lambda: group.step_message(5))
    group.click(BOB, ids.SYNTHESIS_OPEN, step=5)
    view = group.modal(BOB, ids.SYNTHESIS_VIEW)
    reply = group.slack.submit(BOB, view["id"], {"keep": "A check-in.", "kept": [str(frank.id)]})
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: any("synthesis" in m["text"] for m in group.thread(5)))

    # Opened again, the modal shows Frank's reply kept, and only it; submitted as it is, it keeps it.
    again = synthesis_again(group)
    assert [o["value"] for o in initial_values(again)["kept"]] == [str(frank.id)]
    assert group.slack.submit(BOB, again["id"], {}).status == 200
    kept = eventually(
        lambda: [
            c.id for c in group.services.sessions.contributions(group.standin.team_id, 1, Step.CONSULTATION) if c.kept
        ]
    )
    assert kept == [frank.id]


def test_a_reply_kept_beyond_the_modals_hundred_options_stays_kept(group: Group) -> None:
    to_consultation(group, need=NEED)
    first = group.stored(group.reply(ERIN, 4, "The oldest idea, kept.")["ts"])
    assert first is not None and first.id is not None
    # A long consultation: 100 replies more, the modal offers only the newest 100.
    message = group.step_message(4)
    assert message is not None
    with group.services.db.session() as session:
        for n in range(100):
            session.add(
                Contribution(
                    team_id=first.team_id,
                    session_id=1,
                    step=int(Step.CONSULTATION),
                    channel_id=group.channel,
                    ts=f"{float(first.ts) + n + 1:.6f}",
                    thread_ts=message["ts"],
                    user_id=FRANK,
                    text=f"Idea {n}",
                    created_at=group.services.clock.now(),
                )
            )
    group.click(ALICE, ids.NEXT, step=4)
    eventually(lambda: group.step_message(5))
    with group.services.db.session() as session:
        row = session.get(Contribution, first.id)
        assert row is not None
        row.kept = True  # kept earlier, when it was still among the newest hundred
        session.add(row)
    group.click(BOB, ids.SYNTHESIS_OPEN, step=5)
    view = group.modal(BOB, ids.SYNTHESIS_VIEW)
    kept_block = next(b for b in view["blocks"] if b.get("block_id") == "kept")
    assert str(first.id) not in [o["value"] for o in kept_block["element"]["options"]]
    reply = group.slack.submit(BOB, view["id"], {"keep": "The idea.", "kept": []})
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: any("synthesis" in m["text"] for m in group.thread(5)))
    with group.services.db.session() as session:
        row = session.get(Contribution, first.id)
        assert row is not None and row.kept, "a reply the modal could not show keeps its state"

    # So does the summary edit: the reply stays kept, and in the summary.
    group.click(ALICE, ids.NEXT, step=5)
    eventually(lambda: group.step_message(6))
    group.click(ALICE, ids.NEXT, step=6)
    summary_dm(group)
    group.slack.click(BOB, ids.SUMMARY_EDIT, channel_id=group.standin.dm_channel(BOB))
    edit = group.modal(BOB, ids.SUMMARY_EDIT_VIEW)
    reply = group.slack.submit(BOB, edit["id"], {"keep": "", "kept": []})
    assert reply.status == 200 and not reply.body, "the reply kept is enough of a summary"
    assert "The oldest idea, kept." in str(posted_summary(group)["blocks"])
    with group.services.db.session() as session:
        row = session.get(Contribution, first.id)
        assert row is not None and row.kept


def test_a_synthesis_written_again_follows_up_its_new_actions_only(group: Group) -> None:
    due, later = in_days(group, 7), in_days(group, 14)
    to_consultation(group, need=NEED)
    consultation_and_synthesis(group, keep="A deputy.", action_1="Name my deputy", due_1=due)
    eventually(lambda: len(pending_follow_ups(group)) == 1)
    again = synthesis_again(group)
    reply = group.slack.submit(BOB, again["id"], {"action_1": "", "action_2": "Tell the team", "due_2": later})
    assert reply.status == 200 and not reply.body, reply
    now = eventually(
        lambda: [a for a in group.services.sessions.get(group.standin.team_id, 1).actions if a.text != "Name my deputy"]
    )
    assert [a.text for a in now] == ["Tell the team"]
    # One follow-up, for the new action on its day: the replaced action's will not come.
    follow_ups = eventually(lambda: [t for t in pending_follow_ups(group) if t.due_at.date().isoformat() >= later])
    assert [t.subject_id for t in pending_follow_ups(group)] == [now[0].id] == [t.subject_id for t in follow_ups]


def pending_follow_ups(group: Group) -> list[ScheduledTask]:
    with group.services.db.session() as session:
        return list(
            session.exec(
                select(ScheduledTask).where(
                    ScheduledTask.kind == TaskKind.FOLLOW_UP.value, ScheduledTask.state == EventState.PENDING.value
                )
            ).all()
        )
