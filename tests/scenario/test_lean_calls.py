"""Issue 16 (part 1): a session's Web API calls, none wasted.

The root message is the session's card (topic, roles, the plan of the six steps): each step's own message announces
the step, so the root is drawn again only when what it shows changes — a hand-over, an edit — and once at the end.
Links to messages are written from the workspace's URL instead of asked of Slack one by one, and the client's
summary DM is marked done through the Post click's response_url.
"""

from __future__ import annotations

from typing import Any

from bot.domain.session import Status
from bot.sandbox import demo
from bot.slack import ids
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually

WORKSPACE = "https://codev-sandbox.slack.com/"  # what the stand-in's auth.test says


def calls(group: Group, method: str, **args: Any) -> list[Any]:
    return [c for c in group.standin.calls if c.method == method and all(c.args.get(k) == v for k, v in args.items())]


def closed_step(group: Group, number: int) -> dict[str, Any] | None:
    message = group.step_message(number)
    return message if message and "Closed" in str(message["blocks"]) else None


def delivered(group: Group) -> None:
    """Wait until Slack shows all the session owes: the next click's request then delivers its change itself (a
    click while another request is still delivering leaves its rows to that one, which updates with chat.update)."""
    eventually(lambda: not group.services.outbox.owed(group.standin.team_id, 1))


def session(group: Group):  # type: ignore[no-untyped-def]
    return group.services.sessions.get(group.standin.team_id, 1)


def test_the_root_is_the_sessions_card_left_alone_while_steps_change_and_drawn_again_at_the_end(group: Group) -> None:
    group.start("Handing over my team")
    root = group.root()
    shown = str(root["blocks"])
    assert "*The six steps*" in shown
    assert "1. Presentation · 10 min" in shown and "4. Consultation · 25 min" in shown, "the plan, with its timeboxes"
    assert "Each step follows below in its own message" in shown
    assert root["text"] == "Co-development session: Handing over my team", "its notification names no step"

    # Steps change, a step is paused, resumed and extended: the step messages say it, the root stays as posted.
    delivered(group)
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    delivered(group)
    group.click(ALICE, ids.PAUSE, step=2)
    eventually(lambda: "Paused" in str(group.step_message(2)["blocks"]))
    delivered(group)
    group.click(ALICE, ids.RESUME, step=2)
    eventually(lambda: session(group).status is Status.RUNNING)
    delivered(group)
    group.click(ALICE, ids.EXTEND, step=2)
    eventually(lambda: session(group).steps[2].extended.total_seconds() > 0)
    delivered(group)
    group.click(ALICE, ids.NEXT, step=2)
    eventually(lambda: group.step_message(3))
    closed = eventually(lambda: "Closed" in str(group.step_message(2)["blocks"]) and group.step_message(2))
    assert "actions" not in [b["type"] for b in closed["blocks"]], "a closed step shows no panel"
    assert not calls(group, "chat.update", ts=root["ts"]), "the root is not drawn again at a step change"
    assert group.root() == root
    # The step messages picked in were drawn again through each pick's response_url: no chat.update for them.
    for number in (1, 2):
        assert not calls(group, "chat.update", ts=group.step_message(number)["ts"])

    # The end: drawn once, saying so, which steps were held and where the summary goes.
    group.click(ALICE, ids.END, step=3)
    eventually(lambda: session(group).status is Status.ENDED)
    ended = eventually(lambda: "ended" in group.root()["text"] and group.root())
    shown = str(ended["blocks"])
    assert ":white_check_mark: 1. Presentation" in shown and ":white_check_mark: 3. Contract" in shown
    assert ":heavy_minus_sign: ~4. Consultation~" in shown, "skipped steps are shown as skipped"
    assert f"posted in this thread once <@{BOB}> approves it" in shown
    assert "Each step follows below" not in shown
    for number in (1, 2, 3):  # Slack shows each closed step without its panel
        message = eventually(lambda n=number: closed_step(group, n))  # type: ignore[misc]
        assert "actions" not in [b["type"] for b in message["blocks"]]
    eventually(lambda: group.standin.messages(group.standin.dm_channel(BOB)))  # the summary DM: all is delivered
    assert len(calls(group, "chat.update", ts=root["ts"])) == 1, "the root is drawn again once, at the end"
    # End is confirmed in a private message, whose response_url is not the step's: Step 3 closes through chat.update,
    # or through the End pick's own response_url when that pick's thread is still delivering the session (either
    # one replaces that very message), never both.
    step_3 = group.step_message(3)["ts"]
    closed_through_pick = [
        r
        for r in group.standin.responses
        if group.standin.response_targets.get(r["id"]) == ("C0CODEV01", step_3) and "closed" in str(r.get("text"))
    ]
    assert len(calls(group, "chat.update", ts=step_3)) + len(closed_through_pick) == 1


def test_the_root_is_drawn_again_when_what_it_shows_changes(group: Group) -> None:
    group.start()
    root_ts = group.root()["ts"]
    group.click(ALICE, ids.HANDOVER, step=1)
    view = eventually(lambda: [v for v in group.standin.views_for(ALICE) if v["callback_id"] == "handover"])[-1]
    assert group.slack.submit(ALICE, view["id"], {"to": CAROL}).status == 200
    eventually(lambda: f"*Facilitator:* <@{CAROL}>" in str(group.root()["blocks"]))
    assert len(calls(group, "chat.update", ts=root_ts)) == 1
    # Someone says "I'm done": the step's message counts it, the root has nothing new to show.
    group.click(BOB, ids.DONE, step=1)
    eventually(lambda: f"<@{BOB}>" in str(group.step_message(1)["blocks"]).split("Done")[-1])
    assert len(calls(group, "chat.update", ts=root_ts)) == 1


def test_a_full_session_writes_its_links_and_marks_the_clients_dm_through_the_click(group: Group) -> None:
    group.services.clock.set(demo.START)
    group.start(demo.TOPIC)
    demo.play(group)
    snapshot = eventually(lambda: session(group).summary_ts and session(group))

    # The Consultation message links to the Contract thread; each participant's DM to the summary (a reply in
    # the root's thread): written as Slack writes permalinks, without asking it.
    contract_ts = group.step_message(3)["ts"]
    assert f"{WORKSPACE}archives/{group.channel}/p{contract_ts.replace('.', '')}" in str(group.step_message(4))
    summary_link = (
        f"{WORKSPACE}archives/{group.channel}/p{snapshot.summary_ts.replace('.', '')}"
        f"?thread_ts={snapshot.root_ts}&cid={group.channel}"
    )
    for person in (ALICE, BOB, CAROL, DAVE, ERIN, FRANK):
        eventually(lambda p=person: summary_link in str(group.standin.messages(group.standin.dm_channel(p))))  # type: ignore[misc]
    assert not calls(group, "chat.getPermalink")
    # Bolt's own auth.test as the app starts, and the workspace's URL once per process at most.
    assert len(calls(group, "auth.test")) <= 2

    # Bob's summary DM says it was posted: replaced through his click's response_url, not with chat.update.
    dm = group.standin.dm_channel(BOB)
    approval = next(m for m in group.standin.messages(dm) if "summary" in m["text"].lower())
    assert "Posted the summary" in approval["text"] and ids.SUMMARY_POST not in str(approval["blocks"])
    assert not calls(group, "chat.update", channel=dm)
    assert len(calls(group, "chat.update", ts=snapshot.root_ts)) == 1, "the root: once, at the end"
