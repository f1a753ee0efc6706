"""/codev start: the modal, its inline errors, and the channel checks."""

from __future__ import annotations

import pytest

from bot.domain.steps import Step
from bot.slack import ids
from tests.conftest import ALICE, BOB, CAROL, CHANNEL, DAVE, ERIN, FRANK, Group, eventually


def errors_of(reply) -> dict:  # type: ignore[no-untyped-def]
    body = reply.json()
    assert body["response_action"] == "errors", body
    return body["errors"]


def test_the_modal_is_prefilled(group: Group) -> None:
    view = group.open_start_modal(ALICE, "Handing over my team")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["topic"]["element"]["initial_value"] == "Handing over my team"
    assert blocks["facilitator"]["element"]["initial_user"] == ALICE
    assert blocks["channel"]["element"]["initial_conversation"] == CHANNEL
    assert blocks["duration_live_consultation"]["element"]["initial_value"] == "25"


@pytest.mark.parametrize(
    ("values", "block_id", "words"),
    [
        ({"topic": "   "}, "topic", "topic"),
        ({"client": ALICE}, "client", "cannot also facilitate"),
        ({"consultants": [BOB, CAROL, DAVE, ERIN]}, "consultants", "is the client"),
        ({"consultants": [CAROL, DAVE, "U0HELPERBOT", ERIN]}, "consultants", "is a bot"),
        ({"client": "U0GONE"}, "client", "deactivated"),
        ({"client": "U0NOBODY"}, "client", "could not find"),
        ({"duration_clarification": "0"}, "duration_live_clarification", "at least 1"),
        ({"duration_clarification": "-5"}, "duration_live_clarification", "at least 1"),
        ({"duration_consultation": "100000"}, "duration_live_consultation", "longer than makes sense"),
        ({"duration_contract": "ten"}, "duration_live_contract", "whole number"),
    ],
)
def test_inline_errors(group: Group, values: dict, block_id: str, words: str) -> None:
    view = group.open_start_modal()
    errors = errors_of(group.submit_start(view, **values))
    assert words in errors[block_id]
    assert group.messages() == [], "nothing is posted while the modal has errors"


def test_outside_five_to_eight_peers_asks_to_confirm(group: Group) -> None:
    view = group.open_start_modal()
    errors = errors_of(group.submit_start(view, consultants=[CAROL]))
    assert "3 peers" in errors["group_size"]
    reply = group.submit_start(view, consultants=[CAROL], group_size=["confirm"])
    assert reply.status == 200 and not reply.body
    eventually(lambda: group.step_message(1))


def test_one_running_session_per_channel(group: Group) -> None:
    group.start()
    view = group.open_start_modal(CAROL, "Another topic")
    errors = errors_of(
        group.submit_start(view, CAROL, facilitator=CAROL, client=DAVE, consultants=[ALICE, BOB, ERIN, FRANK])
    )
    assert "already running" in errors["channel"]


def test_async_pace_switch_refreshes_the_defaults(group: Group) -> None:
    view = group.open_start_modal()
    group.slack.choose(ALICE, view["id"], ids.START_PACE, "async", {"client": BOB})
    updated = eventually(
        lambda: (
            any(b.get("block_id", "").startswith("duration_async") for b in group.standin.views[view["id"]]["blocks"])
            and group.standin.views[view["id"]]
        )
    )
    blocks = {b.get("block_id"): b for b in updated["blocks"]}
    assert [blocks[f"duration_async_{step.key}"]["element"]["initial_value"] for step in Step] == [
        "4",
        "8",
        "4",
        "12",
        "4",
        "8",
    ], "working hours: ½, 1, ½, 1½, ½ and 1 working days"
    assert "a working day is 8 h here" in str(updated["blocks"])
    assert blocks["duration_async_consultation"]["hint"]["text"] == "Proposed: 1½ working days."
    assert blocks["client"]["element"]["initial_user"] == BOB, "what was chosen stays"
    reply = group.slack.submit(ALICE, view["id"], {"consultants": [CAROL, DAVE, ERIN, FRANK]})
    assert reply.status == 200 and not reply.body
    step1 = eventually(lambda: group.step_message(1))
    assert step1


def test_start_in_a_dm_explains_where_to_go(group: Group) -> None:
    dm = group.standin.dm_channel(ALICE)
    body = group.slack.command(ALICE, "start", channel_id=dm).json()
    assert "channel" in body["text"] and "/invite @codev" in body["text"]


def test_start_where_codev_is_not_a_member_explains_how_to_invite(group: Group) -> None:
    group.standin.add_channel("C0OTHER", "other", is_private=True, members=[ALICE], bot_is_member=False)
    group.slack.command(ALICE, "start", channel_id="C0OTHER")
    eventually(lambda: any("/invite @codev" in str(v["blocks"]) for v in group.standin.views_for(ALICE)))


def test_public_channel_gets_a_confidentiality_warning(group: Group) -> None:
    group.standin.add_channel("C0PUBLIC", "general", members=[ALICE, BOB, CAROL, DAVE, ERIN, FRANK])
    group.slack.command(ALICE, "start", channel_id="C0PUBLIC")
    eventually(lambda: any("public channel" in str(v["blocks"]) for v in group.standin.views_for(ALICE)))


def test_shared_channel_gets_a_confidentiality_warning(group: Group) -> None:
    group.standin.add_channel(
        "C0SHARED", "partners", is_private=True, is_ext_shared=True, members=[ALICE, BOB, CAROL, DAVE, ERIN, FRANK]
    )
    group.slack.command(ALICE, "start", channel_id="C0SHARED")
    eventually(lambda: any("outside your organisation" in str(v["blocks"]) for v in group.standin.views_for(ALICE)))


def test_participants_outside_the_channel_can_be_invited(group: Group) -> None:
    group.standin.add_user("U0GRACE", "Grace")
    view = group.open_start_modal()
    group.submit_start(view, consultants=[CAROL, DAVE, ERIN, "U0GRACE"])
    note = eventually(lambda: [e for e in group.standin.ephemerals_for(ALICE) if "Grace" in e["text"]])[0]
    assert "Invite them" in str(note["blocks"]) and "<@U0GRACE>" in str(note["blocks"])
    assert "U0GRACE" not in note["text"], "its notification reads the name"
    reply = group.slack.post_payload(
        {
            **group.slack.click_payload(
                ALICE,
                ids.INVITE,
                channel_id=CHANNEL,
                message_ts=note["message_ts"],
                value=note["blocks"][1]["elements"][0]["value"],
            ),
        }
    )
    assert reply.status == 200
    eventually(lambda: "U0GRACE" in group.standin.channels[CHANNEL].members)


def test_user_lookups_are_cached(group: Group) -> None:
    view = group.open_start_modal()
    errors_of(group.submit_start(view, topic=" "))
    calls = len(group.standin.calls_to("users.info"))
    errors_of(group.submit_start(view, topic=" "))
    assert len(group.standin.calls_to("users.info")) == calls


def test_status_lists_the_running_session(group: Group) -> None:
    assert "No session" in group.slack.command(ALICE, "status").json()["text"]
    group.start("Handing over my team")
    text = group.slack.command(CAROL, "status").json()["text"]
    assert "Handing over my team" in text and "step 1/6" in text and "left" in text


def test_a_topic_typed_after_the_command_reads_as_typed_in_the_modal(group: Group) -> None:
    view = group.open_start_modal(ALICE, "R&D <> sales")
    topic = next(b for b in view["blocks"] if b.get("block_id") == "topic")
    assert topic["element"]["initial_value"] == "R&D <> sales"


def test_an_async_sessions_timeboxes_are_edited_in_working_hours(group: Group) -> None:
    view = group.open_start_modal()
    group.slack.choose(ALICE, view["id"], ids.START_PACE, "async", {"client": BOB})
    eventually(lambda: "duration_async" in str(group.standin.views[view["id"]]["blocks"]))
    reply = group.slack.submit(
        ALICE, view["id"], {"consultants": [CAROL, DAVE, ERIN, FRANK], "duration_consultation": "19"}
    )
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: group.step_message(1))
    group.click(ALICE, ids.EDIT, step=1)
    edit = group.modal(ALICE, ids.EDIT_VIEW)
    blocks = {b.get("block_id"): b for b in edit["blocks"]}
    assert blocks["duration_async_consultation"]["element"]["initial_value"] == "19"
    assert blocks["duration_async_consultation"]["hint"]["text"] == "Now: 2 working days 3 h."
    assert "in *working hours* — a working day is 8 h here" in str(edit["blocks"])
    errors = errors_of(group.slack.submit(ALICE, edit["id"], {"duration_learning": "81"}))
    assert "at most 80 working hours" in errors["duration_async_learning"]
    reply = group.slack.submit(ALICE, edit["id"], {"duration_learning": "12"})
    assert reply.status == 200 and not reply.body, reply
    learning = eventually(
        lambda: (
            group.services.sessions.get(group.standin.team_id, 1).steps[Step.LEARNING].duration.total_seconds()
            == 12 * 3600
        )
    )
    assert learning
