"""The charter as a frame, not a formality; and polish found on the way.

Alice, Carol, Dave, Frank and Erin form a group in #codev-circle. Erin works in Toronto: when the group is saved
(10:00 in Paris, 04:00 for her) her charter waits for her morning, and she has not accepted it when the first
session including her starts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.session import Status
from bot.slack import ids
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually
from tests.scenario.test_groups import create_group
from tests.scenario.test_recurring import _session_with_actions, at

CIRCLE = [ALICE, CAROL, DAVE, ERIN, FRANK]


def charters(group: Group, user_id: str) -> list[dict[str, Any]]:
    """The charter messages in someone's DM with codev (sent when the group was saved, or as a session starts)."""
    dm = group.standin.dm_channel(user_id)
    return [m for m in group.standin.messages(dm) if "stays in the group" in m["text"]]


def the_group(group: Group) -> Any:
    return group.services.groups.of_channel(group.standin.team_id, group.channel)


def accept(group: Group, user_id: str) -> None:
    dm = group.standin.dm_channel(user_id)
    message = eventually(lambda: charters(group, user_id))[-1]
    group.slack.click(user_id, ids.CHARTER_ACCEPT, channel_id=dm, message_ts=message["ts"])
    eventually(lambda: user_id in the_group(group).accepted)


def blocks_of(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b.get("block_id"): b for b in view["blocks"]}


def group_modal(group: Group, user_id: str = ALICE) -> dict[str, Any]:
    opened = {v["id"] for v in group.standin.views_for(user_id)}
    group.slack.command(user_id, "group")
    view = eventually(
        lambda: [v for v in group.standin.views_for(user_id) if v["callback_id"] == "group" and v["id"] not in opened]
    )[-1]
    # codev looks up the person's time zone once the modal is open, and updates it: wait for that first.
    eventually(lambda: blocks_of(group.standin.views[view["id"]])["work_tz"]["element"].get("initial_value"))
    return group.standin.views[view["id"]]


def end_session(group: Group, facilitator: str = ALICE) -> None:
    """The facilitator ends the running session (its confirmation's "End the session" button)."""
    running = group.services.sessions.running_in(group.standin.team_id, group.channel)[0]
    latest = step_messages(group, int(running.step))[-1]  # earlier sessions' step messages are there too
    value = f"{running.id}:{int(running.step)}:{running.version}"
    group.slack.post_payload(
        group.slack.click_payload(facilitator, ids.END, channel_id=group.channel, message_ts=latest["ts"], value=value)
    )
    eventually(lambda: group.services.sessions.get(group.standin.team_id, running.id).status is Status.ENDED)


def step_messages(group: Group, number: int = 1) -> list[dict[str, Any]]:
    """Every session's message for that step, oldest first."""
    header = f"Step {number}/6"
    found = [
        m
        for m in group.messages()
        if (m.get("blocks") or [{}])[0].get("type") == "header" and m["blocks"][0]["text"]["text"].startswith(header)
    ]
    return sorted(found, key=lambda m: float(m["ts"]))


def a_circle_where_only_erin_has_not_accepted(group: Group) -> None:
    create_group(group, members=CIRCLE)
    for member in (ALICE, CAROL, DAVE, FRANK):
        accept(group, member)
    assert charters(group, ERIN) == [], "04:00 in Toronto: Erin's charter waits for her morning"


# ---- the charter, before the first session ------------------------------------------------------------
def test_erin_is_asked_privately_once_as_her_first_session_starts_and_the_facilitator_sees_it(group: Group) -> None:
    a_circle_where_only_erin_has_not_accepted(group)
    # Starting, Alice sees in the modal who has not accepted the charter; still after switching the pace.
    view = group.open_start_modal(ALICE, "Our first case")
    assert f"<@{ERIN}> has not accepted the charter" in str(blocks_of(view)["charter_pending"])
    group.slack.choose(ALICE, view["id"], ids.START_PACE, "async")
    eventually(lambda: "timekeeping" in str(group.standin.views[view["id"]]["blocks"]))
    assert f"<@{ERIN}>" in str(blocks_of(group.standin.views[view["id"]])["charter_pending"])
    group.slack.choose(ALICE, view["id"], ids.START_PACE, "live")
    eventually(lambda: "timekeeping" not in str(group.standin.views[view["id"]]["blocks"]))
    reply = group.submit_start(view, facilitator=ALICE, client=CAROL, consultants=[DAVE, ERIN, FRANK])
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: group.step_message(1))

    # Erin gets the charter now, before the session goes on: once.
    (asked,) = eventually(lambda: charters(group, ERIN))
    assert "session you are part of is starting" in asked["text"]
    assert ids.CHARTER_ACCEPT in str(asked["blocks"])
    assert all(len(charters(group, m)) == 1 for m in (ALICE, CAROL, DAVE, FRANK)), "nobody else is asked again"

    # Alice, who facilitates, is told privately who has not accepted it; so is the channel, on the root.
    eventually(lambda: [n for n in group.private_notes(ALICE) if f"<@{ERIN}> has not accepted" in n])
    assert "Not yet accepted the group's charter" in str(group.root()["blocks"])
    assert f"<@{ERIN}>" in str(group.root()["blocks"])

    # Her morning comes: the held charter does not reach her a second time.
    at(datetime(2026, 11, 25, 14, 0, tzinfo=UTC), group)
    assert len(charters(group, ERIN)) == 1
    end_session(group)
    group.start("Our second case", facilitator=CAROL, client=DAVE, consultants=[ALICE, ERIN, FRANK])
    eventually(lambda: [n for n in group.private_notes(CAROL) if f"<@{ERIN}> has not accepted" in n])
    assert len(charters(group, ERIN)) == 1, "not sent again for the next session"

    # Erin accepts during the session: its root no longer names her.
    running = group.services.sessions.running_in(group.standin.team_id, group.channel)[0]
    assert running.root_ts and "Not yet accepted" in str(group.standin.message(group.channel, running.root_ts))
    accept(group, ERIN)
    eventually(lambda: "Not yet accepted" not in str(group.standin.message(group.channel, running.root_ts)))


def test_a_group_that_requires_the_charter_refuses_the_start_until_erin_accepts(group: Group) -> None:
    a_circle_where_only_erin_has_not_accepted(group)
    view = group_modal(group)
    assert not blocks_of(view)["charter_required"]["element"].get("initial_options")
    reply = group.slack.submit(
        ALICE, view["id"], {"name": "Tuesday circle", "members": CIRCLE, "charter_required": ["required"]}
    )
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: the_group(group).charter_required)
    reopened = group_modal(group)
    assert [o["value"] for o in blocks_of(reopened)["charter_required"]["element"]["initial_options"]] == ["required"]

    view = group.open_start_modal(ALICE, "Our first case")
    values = {"facilitator": ALICE, "client": CAROL, "consultants": [DAVE, ERIN, FRANK]}
    reply = group.slack.submit(ALICE, view["id"], values)
    body = reply.json()
    assert body["response_action"] == "errors", body
    assert "Erin has not accepted the group's charter" in body["errors"]["consultants"]
    assert "U0ERIN" not in body["errors"]["consultants"], "named by name, not by id"
    assert group.services.sessions.running_in(group.standin.team_id, group.channel) == []
    # She gets it to accept: once.
    eventually(lambda: charters(group, ERIN))
    group.slack.submit(ALICE, view["id"], values)
    assert len(charters(group, ERIN)) == 1

    # Erin accepts; the charter stays in her DM, to read again, without the button.
    accept(group, ERIN)
    dm = group.standin.dm_channel(ERIN)
    kept = eventually(lambda: [m for m in group.standin.messages(dm) if "Thank you" in m["text"]])[0]
    assert "stays in the group" in kept["text"] and "stays in the group" in str(kept["blocks"])
    assert ids.CHARTER_ACCEPT not in str(kept["blocks"])

    reply = group.slack.submit(ALICE, view["id"], values)
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: group.step_message(1))
    assert "Not yet accepted" not in str(group.root()["blocks"])


def test_someone_outside_the_group_or_a_group_without_the_requirement_is_not_held_back(group: Group) -> None:
    a_circle_where_only_erin_has_not_accepted(group)
    # Bob is not a member: nothing to accept. Erin has not accepted, but this group does not require it.
    view = group.open_start_modal(ALICE, "A case")
    reply = group.slack.submit(
        ALICE, view["id"], {"facilitator": ALICE, "client": BOB, "consultants": [CAROL, DAVE, ERIN, FRANK]}
    )
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: group.step_message(1))
    assert charters(group, BOB) == []


# ---- the group modal ----------------------------------------------------------------------------------
def test_the_group_modal_title_fits_and_keeps_the_evaluation_rhythm(group: Group) -> None:
    view = group_modal(group)
    title = view["title"]["text"]
    assert len(title) <= 24 and not title.endswith("…"), title
    field = blocks_of(view)["evaluation_every"]
    assert "every N sessions" in field["label"]["text"]
    assert field["element"]["initial_value"] == "4"

    for bad in ("-1", "abc", "1000"):
        reply = group.slack.submit(ALICE, view["id"], {"name": "Circle", "members": CIRCLE, "evaluation_every": bad})
        assert "whole number" in reply.json()["errors"]["evaluation_every"], bad
    reply = group.slack.submit(ALICE, view["id"], {"name": "Circle", "members": CIRCLE, "evaluation_every": "6"})
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: the_group(group) and the_group(group).evaluation_every == 6)
    assert blocks_of(group_modal(group))["evaluation_every"]["element"]["initial_value"] == "6"

    view = group_modal(group)
    assert not group.slack.submit(
        ALICE, view["id"], {"name": "Circle", "members": CIRCLE, "evaluation_every": "0"}
    ).body
    eventually(lambda: the_group(group).evaluation_every == 0)  # never
    assert blocks_of(group_modal(group))["evaluation_every"]["element"]["initial_value"] == "0"
    # Saved three times with the same charter: Carol, who has not accepted it yet, got it once.
    assert len(charters(group, CAROL)) == 1


def test_the_size_check_shows_only_for_a_group_of_another_size_than_five_to_eight(group: Group) -> None:
    for user_id, name in (("U0GRACE", "Grace"), ("U0HEIDI", "Heidi"), ("U0IVAN", "Ivan")):
        group.standin.add_user(user_id, name, tz="Europe/Paris")
    nine = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK, "U0GRACE", "U0HEIDI", "U0IVAN"]
    view = group_modal(group)
    assert "group_size" not in blocks_of(view)

    def size_check() -> dict[str, Any] | None:
        return blocks_of(group.standin.views[view["id"]]).get("group_size")

    group.slack.choose(ALICE, view["id"], "members", [ALICE, BOB, CAROL, DAVE])
    shown = eventually(size_check)
    assert "4 members" in shown["hint"]["text"]
    blocks = list(blocks_of(group.standin.views[view["id"]]))
    assert blocks.index("group_size") == blocks.index("members") + 1, "right under the members"

    group.slack.choose(ALICE, view["id"], "members", [ALICE, BOB, CAROL, DAVE, ERIN, FRANK])
    eventually(lambda: size_check() is None)
    group.slack.choose(ALICE, view["id"], "members", nine)
    assert "9 members" in eventually(size_check)["hint"]["text"]
    reply = group.slack.submit(ALICE, view["id"], {"name": "Big circle", "members": nine})
    assert "9 members" in reply.json()["errors"]["group_size"]
    reply = group.slack.submit(ALICE, view["id"], {"name": "Big circle", "members": nine, "group_size": ["confirm"]})
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: the_group(group) and len(the_group(group).members) == 9)

    # Reopened, a group of nine shows its check at once.
    assert "group_size" in blocks_of(group_modal(group))


def test_a_submission_of_another_size_without_the_check_shows_it_and_why(group: Group) -> None:
    view = group_modal(group)
    typed = {"name": "Four of us", "members": [ALICE, BOB, CAROL, DAVE], "charter": "Our own charter"}
    body = group.slack.submit(ALICE, view["id"], typed).json()
    assert body["response_action"] == "update", body
    updated = body["view"]
    blocks = blocks_of(updated)
    assert "4 members" in str(blocks["group_size_note"]) and "4 members" in blocks["group_size"]["hint"]["text"]
    assert blocks["name"]["element"]["initial_value"] == "Four of us", "what was typed is kept"
    assert blocks["members"]["element"]["initial_users"] == [ALICE, BOB, CAROL, DAVE]
    assert group.services.groups.of_channel(group.standin.team_id, group.channel) is None
    # Slack now shows the updated view, under the same id.
    group.standin.views[view["id"]] = {**updated, "id": view["id"], "hash": "h2", "_user": ALICE}
    reply = group.slack.submit(ALICE, view["id"], {**typed, "group_size": ["confirm"]})
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: the_group(group) and the_group(group).charter == "Our own charter")


# ---- examples fold away after a group's first three sessions ------------------------------------------
def test_the_examples_show_in_a_group_s_first_three_sessions_and_fold_away_in_the_fourth(group: Group) -> None:
    create_group(group)
    for n in range(1, 5):
        group.start(f"Case {n}", facilitator=ALICE)
        step = eventually(lambda n=n: len(step_messages(group)) == n and step_messages(group)[-1])
        if n < 4:
            assert "For example" in str(step["blocks"]), n
            end_session(group)
        else:
            assert "For example" not in str(step["blocks"])
            assert "Presentation" in str(step["blocks"])


def test_a_session_outside_a_group_always_shows_the_examples(group: Group) -> None:
    for n in range(1, 5):
        group.start(f"Case {n}")
        step = eventually(lambda n=n: len(step_messages(group)) == n and step_messages(group)[-1])
        assert "For example" in str(step["blocks"]), n
        end_session(group)


# ---- due dates and the journal export -----------------------------------------------------------------
def test_a_follow_up_dm_shows_its_due_date_in_the_reader_s_own_words(group: Group) -> None:
    create_group(group)
    _session_with_actions(group, "Handing over my team", [("Ask Marc to be my deputy", "2026-12-10")])
    at(datetime(2026, 12, 10, 15, 0, tzinfo=UTC), group)  # 10:00 in Montreal
    dm = group.standin.dm_channel(BOB)
    asked = eventually(lambda: [m for m in group.standin.messages(dm) if m["text"].startswith("How did")])[0]
    assert "<!date^" in str(asked["blocks"]) and "|Dec 10, 2026>" in str(asked["blocks"])
    assert "due 2026-12-10" not in str(asked["blocks"])


def test_the_journal_export_is_stamped_in_the_person_s_own_zone(group: Group) -> None:
    group.services.clock.set(datetime(2026, 11, 25, 23, 30, tzinfo=UTC))  # 18:30 in Toronto, 00:30 in Paris
    group.slack.command(ERIN, "journal What I take away")
    group.services.clock.advance(timedelta(minutes=1))
    group.slack.command(ERIN, "journal export")
    uploaded = eventually(lambda: [f for f in group.standin.files.values() if f["content"] and f["shared_in"]])[0]
    markdown = uploaded["content"].decode()
    assert "Nov 25, 2026, 6:31\u202fPM (America/Toronto)" in markdown, markdown  # Babel, CLDR: a narrow space
    assert "### Nov 25, 2026, 6:30\u202fPM" in markdown
    assert "UTC" not in markdown
    assert "2026-11-25" in uploaded.get("name", uploaded.get("filename", "2026-11-25"))
