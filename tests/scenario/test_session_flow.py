"""A whole co-development session, driven the way Slack drives the app."""

from __future__ import annotations

from bot.slack import ids
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually


def test_starting_posts_the_root_and_the_presentation_step(group: Group) -> None:
    step1 = group.start("Handing over my team")
    root = group.root()
    assert "Handing over my team" in root["text"]
    assert f"<@{BOB}>" in str(root["blocks"]) and f"<@{ALICE}>" in str(root["blocks"])
    assert step1["blocks"][0]["text"]["text"] == "Step 1/6 · Presentation"
    assert f"<@{BOB}>" in str(step1["blocks"]), "the step's message mentions who speaks now"
    assert "Bob" in step1["text"] and "U0" not in step1["text"], "its notification reads the name, not an id"
    assert "<!date^" in str(step1["blocks"]), "the deadline is shown in each reader's time zone"


def test_a_full_session_from_start_to_posted_summary(group: Group) -> None:
    group.start("Handing over my team")

    group.reply(BOB, 1, "I lead a team of 6 and go on leave for 3 months.")
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))

    group.reply(CAROL, 2, "Who will decide in your absence?")
    group.reply(DAVE, 2, "How does the team feel about it?")
    group.click(ALICE, ids.NEXT, step=2)
    eventually(lambda: group.step_message(3))

    group.click(BOB, ids.CONTRACT_OPEN, step=3)
    contract_view = eventually(lambda: [v for v in group.standin.views_for(BOB) if v["callback_id"] == "contract"])[-1]
    reply = group.slack.submit(
        BOB, contract_view["id"], {"need": "A plan for the handover", "expectations": "Your experiences"}
    )
    assert reply.status == 200 and not reply.body
    eventually(lambda: any("contract" in m["text"] for m in group.thread(3)))
    group.click(ALICE, ids.NEXT, step=3)
    eventually(lambda: group.step_message(4))

    group.reply(ERIN, 4, "Name a deputy and write down the decisions they can make.")
    group.reply(FRANK, 4, "In my team we used a weekly async check-in.")
    group.click(ALICE, ids.NEXT, step=4)
    eventually(lambda: group.step_message(5))

    group.click(BOB, ids.SYNTHESIS_OPEN, step=5)
    synthesis_view = eventually(lambda: [v for v in group.standin.views_for(BOB) if v["callback_id"] == "synthesis"])[
        -1
    ]
    kept_options = synthesis_view["blocks"][0]["element"]["options"]
    assert len(kept_options) == 2
    reply = group.slack.submit(
        BOB,
        synthesis_view["id"],
        {
            "kept": [kept_options[0]["value"]],
            "keep": "A deputy with a clear mandate.",
            "action_1": "Name my deputy",
            "due_1": "2026-12-01",
            "action_2": "Write the decision list",
        },
    )
    assert reply.status == 200 and not reply.body
    eventually(lambda: any("synthesis" in m["text"] for m in group.thread(5)))
    group.click(ALICE, ids.NEXT, step=5)
    eventually(lambda: group.step_message(6))

    for person, text in [(BOB, "I will delegate earlier."), (CAROL, "Questions first, advice later.")]:
        group.reply(person, 6, text)
    group.click(ALICE, ids.NEXT, step=6)

    dm = group.standin.dm_channel(BOB)
    summary = eventually(lambda: group.standin.messages(dm))[-1]
    assert "Name my deputy" in str(summary["blocks"])
    assert "A plan for the handover" in str(summary["blocks"])
    root_thread_before = group.standin.thread(group.channel, group.root()["ts"])
    assert root_thread_before == [], "nothing is posted before the client approves"

    group.slack.click(BOB, ids.SUMMARY_POST, channel_id=dm)
    posted = eventually(lambda: group.standin.thread(group.channel, group.root()["ts"]))
    assert "Name my deputy" in str(posted[0]["blocks"])
    assert "ended" in group.root()["text"]
    assert "Closed · 2 replies" in str(group.step_message(2)["blocks"])

    services = group.services
    session_id = services.sessions.get(group.standin.team_id, 1).id
    contributions = services.sessions.contributions(group.standin.team_id, session_id)
    assert len(contributions) == 7
    snapshot = services.sessions.get(group.standin.team_id, session_id)
    assert [a.text for a in snapshot.actions] == ["Name my deputy", "Write the decision list"]
    # The post is seen in Slack a moment before the database records it as posted.
    eventually(lambda: services.sessions.get(group.standin.team_id, session_id).summary_state == "posted")
