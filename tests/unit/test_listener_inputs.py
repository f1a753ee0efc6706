"""What listeners read from a payload: ids from button values, a modal's inputs and its private metadata."""

from __future__ import annotations

import json
import types
from datetime import date
from typing import Any

import pytest

from bot.domain.steps import Pace, Step
from bot.services.followups import ActionStatus
from bot.services.sessions import ContributionView
from bot.slack.blocks import after, modals
from bot.slack.blocks.recurring import follow_up_modal
from bot.slack.listeners.common import (
    MAX_ID,
    MULTI_VALUED,
    input_values,
    metadata_of,
    number_in,
    session_and_step,
    session_id_of,
)
from tests.unit.test_blocks import snapshot

MULTI_KINDS = {"multi_users_select", "multi_static_select", "multi_conversations_select", "checkboxes"}


def every_modal() -> list[dict[str, Any]]:
    """Each modal codev opens, as its builders make it."""
    session = snapshot(step=Step.SYNTHESIS)
    consultation = [ContributionView(7, Step.CONSULTATION, "UC", "Try a pilot", "1.000001", False, False)]
    action = types.SimpleNamespace(id=3, text="Call Sam", topic="Handing over", due_date=date(2030, 1, 1))
    evaluation = types.SimpleNamespace(id=5, group_name="Circle")  # what the modal reads of an EvaluationView
    return [
        modals.start_modal(topic="", user_id="UA", channel_id="C1", kickoff=4),
        modals.start_modal(topic="", user_id="UA", channel_id="C1", pace=Pace.ASYNC, warning="public"),
        modals.contract_modal(session),
        modals.synthesis_modal(session, consultation),
        modals.handover_modal(session),
        modals.edit_modal(session),
        modals.summary_edit_modal(session, consultation, "D1", "1.000002"),
        modals.group_modal(channel_id="C1", group=None, user_id="UA", tz="Europe/Paris"),
        follow_up_modal(action, ActionStatus.POSTPONED, dm_channel="D1", dm_ts="1.000003"),  # type: ignore[arg-type]
        after.debrief_modal(session, again=True, dm_channel="D1", dm_ts="1.000004"),
        after.evaluation_modal(evaluation, dm_channel="D1", dm_ts="1.000005"),  # type: ignore[arg-type]
    ]


def test_multi_valued_inputs_are_exactly_the_multi_selects_and_checkboxes_of_every_modal() -> None:
    kinds: dict[str, set[str]] = {}
    for view in every_modal():
        for block in view["blocks"]:
            if block["type"] == "input":
                kinds.setdefault(block["element"]["action_id"], set()).add(block["element"]["type"])
    multi = {action_id for action_id, types_ in kinds.items() if types_ & MULTI_KINDS}
    assert multi == MULTI_VALUED
    assert all(not (types_ & MULTI_KINDS) or types_ <= MULTI_KINDS for types_ in kinds.values())


def test_metadata_reads_back_what_every_modal_wrote() -> None:
    for view in every_modal():
        assert metadata_of(view) == json.loads(view["private_metadata"])


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ({"session": 10**30, "channel": "C1"}, {"channel": "C1"}),
        ({"session": True, "version": -1, "kickoff": 1.5}, {}),
        ({"session": "12", "action": [1]}, {}),
        ({"channel": {"id": "C1"}, "dm_ts": None}, {"dm_ts": None}),
        ({"session": MAX_ID, "version": 0}, {"session": MAX_ID, "version": 0}),
    ],
)
def test_metadata_of_another_type_is_left_out(written: dict[str, Any], read: dict[str, Any]) -> None:
    assert metadata_of({"private_metadata": json.dumps(written)}) == read


@pytest.mark.parametrize("metadata", ["", "not json", "[1, 2]", "12", "null"])
def test_metadata_that_is_no_object_reads_as_empty(metadata: str) -> None:
    assert metadata_of({"private_metadata": metadata}) == {}


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("12:3", (12, Step.CONTRACT)),
        (f"{MAX_ID}:6", (MAX_ID, Step.LEARNING)),
        (f"{MAX_ID + 1}:1", None),
        ("99999999999999999999:1", None),
        ("0:1", None),
        ("-1:1", None),
        ("12:7", None),
        ("12:0", None),
        ("12", None),
        ("12:3:4", None),
        (" 12:3", None),
        ("١٢:3", None),
        ("12:3\n", None),
        ("", None),
        (None, None),
        (12, None),
    ],
)
def test_a_step_button_value_is_read_strictly(value: Any, parsed: tuple[int, Step] | None) -> None:
    assert session_and_step(value) == parsed


def test_ids_and_numbers_are_plain_digits_within_their_bounds() -> None:
    assert session_id_of("7") == 7 and session_id_of(str(MAX_ID)) == MAX_ID
    assert [session_id_of(v) for v in ("0", str(MAX_ID + 1), "1e3", "+7", "7.0", "", None, 7)] == [None] * 8
    assert number_in("0", 0, 10) == 0 and number_in("11", 0, 10) is None and number_in("9" * 5000, 0, 10) is None


def state(**inputs: dict[str, Any]) -> dict[str, Any]:
    return {"values": {action_id: {action_id: element} for action_id, element in inputs.items()}}


def test_inputs_hold_what_their_elements_can_hold() -> None:
    view = modals.start_modal(topic="", user_id="UA", channel_id="C1")
    view["state"] = state(
        topic={"type": "plain_text_input", "value": ["a", "list"]},
        facilitator={"type": "users_select", "selected_user": {"id": "UA"}},
        client={"type": "users_select", "selected_user": "UB"},
        consultants={"type": "multi_users_select", "selected_users": "UC"},
        channel={"type": "conversations_select", "selected_conversation": 5},
        start_pace={"type": "radio_buttons", "selected_option": {"value": "async"}},
        reminder={"type": "number_input", "value": "20"},
        group_size={"type": "checkboxes", "selected_options": [{"value": "confirm"}, {"value": "other"}, "x"]},
    )
    assert input_values(view) == {
        "topic": None,
        "facilitator": None,
        "client": "UB",
        "consultants": [],
        "channel": None,
        "start_pace": "async",
        "reminder": "20",
        "group_size": ["confirm"],
    }


def test_an_option_the_element_does_not_offer_is_not_picked() -> None:
    view = modals.group_modal(channel_id="C1", group=None, user_id="UA", tz=None)
    view["state"] = state(
        cadence={"type": "static_select", "selected_option": {"value": "1000000000"}},
        pace={"type": "radio_buttons", "selected_option": {"value": "live"}},
        members={"type": "multi_users_select", "selected_users": ["UA", 5, "UB"]},
    )
    assert input_values(view) == {"cadence": None, "pace": "live", "members": ["UA", "UB"]}


@pytest.mark.parametrize(
    ("element", "value"),
    [
        ({"type": "datepicker", "selected_date": "2030-02-30"}, None),
        ({"type": "datepicker", "selected_date": "2030-01-07"}, "2030-01-07"),
        ({"type": "datepicker", "selected_date": "20300107"}, None),
        ({"type": "timepicker", "selected_time": "25:00"}, None),
        ({"type": "timepicker", "selected_time": "09:30"}, "09:30"),
        ({"type": "timepicker", "selected_time": "09:30:00"}, None),
        ({"type": "plain_text_input", "value": None}, None),
        ({"type": "plain_text_input"}, None),
        ("not an element", None),
    ],
)
def test_dates_and_times_are_what_the_pickers_send(element: Any, value: str | None) -> None:
    assert input_values({"state": {"values": {"b": {"due": element}}}}) == {"due": value}


@pytest.mark.parametrize("garbage", [None, [], "text", {"values": None}, {"values": {"b": ["x"]}}])
def test_a_state_that_is_no_state_has_no_inputs(garbage: Any) -> None:
    assert input_values({"state": garbage}) == {}
