"""Malformed input never gives a 500 or "something went wrong".

A body Slack could not have sent (a null event, a user without an id, a message without its ts) is answered
400 with one log line and reaches no listener; a payload of Slack's shape with a wrong value (a garbled
button, a list typed where a modal holds text) gets the private answer that explains it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlmodel import select

from bot.i18n import t
from bot.slack import ids
from bot.storage.models import JournalEntry
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, Group, eventually
from tests.support.settle import settle


@pytest.fixture
def app_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def rejections(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "Slack could not have sent" in r.getMessage()]


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def assert_rejected(group: Group, caplog: pytest.LogCaptureFixture, reply: Any, where: str) -> None:
    """400, one log line naming the problem, no traceback, and nothing sent to Slack."""
    assert reply.status == 400, reply
    settle(group.services)
    lines = rejections(caplog)
    assert len(lines) == 1 and where in lines[0].getMessage(), [r.getMessage() for r in lines]
    assert lines[0].exc_info is None and lines[0].levelno == logging.WARNING
    assert tracebacks(caplog) == []
    caplog.clear()


def test_an_event_that_is_null_is_refused_with_one_line(group: Group, app_log: pytest.LogCaptureFixture) -> None:
    calls = len(group.standin.calls)
    envelope = {"type": "event_callback", "team_id": group.standin.team_id, "event_id": "Ev0NULL", "event": None}
    assert_rejected(group, app_log, group.slack.post_json(envelope), "event")
    assert len(group.standin.calls) == calls


def test_an_event_id_that_is_a_number_is_refused(group: Group, app_log: pytest.LogCaptureFixture) -> None:
    event = {"type": "app_home_opened", "user": ALICE, "channel": "D0ALICE", "tab": "home"}
    envelope = {"type": "event_callback", "team_id": group.standin.team_id, "event_id": 5, "event": event}
    assert_rejected(group, app_log, group.slack.post_json(envelope), "event_id")


def test_a_message_event_without_its_ts_is_refused(group: Group, app_log: pytest.LogCaptureFixture) -> None:
    event = {"type": "message", "user": BOB, "text": "hello", "channel": group.channel, "channel_type": "group"}
    assert_rejected(group, app_log, group.slack.event(event), "ts")
    # The same message with its ts is a message like any other.
    assert group.slack.event({**event, "ts": group.standin.new_ts()}).status == 200


def test_a_click_by_a_user_without_an_id_is_refused(group: Group, app_log: pytest.LogCaptureFixture) -> None:
    step1 = group.start()
    payload = group.slack.click_payload(ALICE, ids.NEXT, channel_id=group.channel, message_ts=step1["ts"], value="1:1")
    assert_rejected(group, app_log, group.slack.post_payload({**payload, "user": {}}), "user.id")
    assert group.current_step() == 1


def test_a_shortcut_without_a_user_is_refused(group: Group, app_log: pytest.LogCaptureFixture) -> None:
    message = {"type": "message", "user": BOB, "text": "A thought worth keeping", "ts": group.standin.new_ts()}
    payload = {
        "type": "message_action",
        "callback_id": ids.JOURNAL_SHORTCUT,
        "team": {"id": group.standin.team_id, "domain": "codev-sandbox"},
        "channel": {"id": group.channel, "name": "x"},
        "message": message,
        "trigger_id": group.slack.trigger_id(ALICE),
        "response_url": group.slack.response_url(),
    }
    assert_rejected(group, app_log, group.slack.post_payload(payload), "user")
    global_shortcut = {"type": "shortcut", "callback_id": ids.JOURNAL_SHORTCUT, "trigger_id": "trigger.x.1"}
    assert_rejected(group, app_log, group.slack.post_payload(global_shortcut), "user")
    # With its user, the same shortcut saves the message.
    assert group.slack.shortcut_on_message(ALICE, ids.JOURNAL_SHORTCUT, group.channel, message).status == 200
    eventually(lambda: any("saved" in note.lower() for note in group.private_notes()))


def test_a_next_click_whose_session_id_overflows_is_a_stale_button(
    group: Group, app_log: pytest.LogCaptureFixture
) -> None:
    step1 = group.start()
    # ("1:1:1" is a real value now: session 1, step 1, version 1, as the time's-up DM's buttons carry it.)
    for value in ("99999999999999999999:1", "-1:1", "1:99999999999999999999", "1:1:1:1", "1:1:", "١:1", " 1:1"):
        payload = group.slack.click_payload(
            ALICE, ids.NEXT, channel_id=group.channel, message_ts=step1["ts"], value=value
        )
        assert group.slack.post_payload(payload).status == 200
    settle(group.services)
    answers = [r.get("text", "") for r in group.standin.responses]
    assert answers == [t("stale_step")] * 7
    assert group.current_step() == 1
    assert tracebacks(app_log) == []


ID_BUTTONS = (
    ids.SUMMARY_POST,
    ids.SUMMARY_EDIT,
    ids.KICKOFF_VOLUNTEER,
    ids.KICKOFF_PICK,
    ids.KICKOFF_START,
    ids.FOLLOW_UP_DONE,
    ids.JOURNAL_UNDO,
    ids.HOME_PAGE,
    ids.HOME_ENTRY_DELETE,
    ids.HOME_ENTRY_MORE,
    ids.HOME_ACTION_DONE,
    ids.HOME_ACTION_POSTPONE,
    ids.CHARTER_ACCEPT,
)


@pytest.mark.parametrize("number", [2**31, 2**63 - 1, 10**25])
def test_ids_no_integer_column_holds_are_answered_plainly(
    group: Group, app_log: pytest.LogCaptureFixture, number: int
) -> None:
    """Ids fit 32 bits on PostgreSQL and 64 on SQLite; a bigger one finds nothing, it does not fail."""
    for action_id in ID_BUTTONS:
        payload = group.slack.click_payload(
            BOB, action_id, channel_id=group.channel, message_ts="1.0", value=str(number)
        )
        assert group.slack.post_payload(payload).status == 200
    settle(group.services)
    assert tracebacks(app_log) == []
    assert t("something_went_wrong") not in [r.get("text") for r in group.standin.responses]


def test_an_invite_button_whose_session_id_overflows_is_a_stale_button(
    group: Group, app_log: pytest.LogCaptureFixture
) -> None:
    group.start()
    payload = group.slack.click_payload(
        ALICE, ids.INVITE, channel_id=group.channel, message_ts="1.0", value=f"{10**25}:{BOB}"
    )
    assert group.slack.post_payload(payload).status == 200
    settle(group.services)
    assert tracebacks(app_log) == []
    assert [r.get("text") for r in group.standin.responses] == [t("stale_step")]


def test_two_people_save_the_same_message_to_their_journals(group: Group, app_log: pytest.LogCaptureFixture) -> None:
    message = {"type": "message", "user": BOB, "text": "Listening first", "ts": group.standin.new_ts()}
    for saver in (ALICE, CAROL):
        assert group.slack.shortcut_on_message(saver, ids.JOURNAL_SHORTCUT, group.channel, message).status == 200
    settle(group.services)
    assert tracebacks(app_log) == []
    for saver in (ALICE, CAROL):
        assert [e.text for e in group.services.journal.all_entries(group.standin.team_id, saver)] == ["Listening first"]


def test_a_button_without_a_value_is_a_stale_button(group: Group, app_log: pytest.LogCaptureFixture) -> None:
    for action_id in (ids.KICKOFF_VOLUNTEER, ids.KICKOFF_PICK, ids.NEXT, ids.SUMMARY_POST):
        payload = group.slack.click_payload(BOB, action_id, channel_id=group.channel, message_ts="1.0", value="x")
        payload["actions"][0]["value"] = None
        assert group.slack.post_payload(payload).status == 200
    settle(group.services)
    assert tracebacks(app_log) == []
    assert len(group.standin.responses) == 4
    assert t("something_went_wrong") not in [r.get("text") for r in group.standin.responses]


def _submission(group: Group, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A view_submission of `view` with state.values given by hand: {block_id: {action_id: state}}."""
    return {
        "type": "view_submission",
        "team": {"id": group.standin.team_id, "domain": "codev-sandbox"},
        "user": {"id": user_id, "team_id": group.standin.team_id},
        "trigger_id": group.slack.trigger_id(user_id),
        "view": {**{k: v for k, v in view.items() if not k.startswith("_")}, "state": {"values": values}},
    }


def test_a_list_where_a_modal_holds_text_is_an_inline_error(group: Group, app_log: pytest.LogCaptureFixture) -> None:
    group.start()
    for step in (1, 2):
        group.click(ALICE, ids.NEXT, step=step)
        eventually(lambda s=step: group.step_message(s + 1))
    group.click(BOB, ids.CONTRACT_OPEN, step=3)
    view = group.modal(BOB, ids.CONTRACT_VIEW)
    need = {"need": {"need": {"type": "plain_text_input", "value": ["a list", "of words"]}}}
    reply = group.slack.post_payload(_submission(group, BOB, view, need))
    assert reply.status == 200 and reply.json() == {
        "response_action": "errors",
        "errors": {"need": t("error_need_empty")},
    }

    # The hand-over modal: a list of users where it holds one.
    group.click(ALICE, ids.HANDOVER, step=3)
    handover = group.modal(ALICE, ids.HANDOVER_VIEW)
    to = {"to": {"to": {"type": "users_select", "selected_user": [CAROL, BOB]}}}
    reply = group.slack.post_payload(_submission(group, ALICE, handover, to))
    assert reply.status == 200 and reply.json()["response_action"] == "errors"
    assert group.services.sessions.running_in(group.standin.team_id, group.channel)[0].facilitator_id == ALICE

    # The start modal: text where people are picked, people where text is typed.
    start = group.open_start_modal(CAROL, "")
    values = {
        "topic": {"topic": {"type": "plain_text_input", "value": {"nested": "object"}}},
        "consultants": {"consultants": {"type": "multi_users_select", "selected_users": "U0BOB"}},
        "channel": {"channel": {"type": "conversations_select", "selected_conversation": [group.channel]}},
    }
    reply = group.slack.post_payload(_submission(group, CAROL, start, values))
    assert reply.status == 200 and reply.json()["response_action"] == "errors"
    settle(group.services)
    assert tracebacks(app_log) == []


def test_an_option_the_modal_does_not_offer_is_not_picked(group: Group, app_log: pytest.LogCaptureFixture) -> None:
    """Slack sends only the options a select offers: every 5 or 10**9 weeks is no cadence of the group modal's."""
    group.slack.command(ALICE, "group")
    view = group.modal(ALICE, ids.GROUP_VIEW)
    for weeks in ("1000000000", "5"):
        values = {
            "name": {"name": {"type": "plain_text_input", "value": "Circle"}},
            "members": {"members": {"type": "multi_users_select", "selected_users": [ALICE, BOB, CAROL, DAVE, ERIN]}},
            "cadence": {"cadence": {"type": "static_select", "selected_option": {"value": weeks}}},
            "cadence_first": {"cadence_first": {"type": "datepicker", "selected_date": "2030-01-07"}},
            "cadence_time": {"cadence_time": {"type": "timepicker", "selected_time": "09:00"}},
            "cadence_tz": {"cadence_tz": {"type": "plain_text_input", "value": "Europe/Paris"}},
        }
        reply = group.slack.post_payload(_submission(group, ALICE, {**view, "id": f"V0WEEKS{weeks}"}, values))
        assert reply.status == 200 and not reply.body, reply
    settle(group.services)
    assert tracebacks(app_log) == []
    saved = group.services.groups.of_channel(group.standin.team_id, group.channel)
    assert saved is not None and saved.name == "Circle" and saved.cadence is None


def test_modal_metadata_that_codev_did_not_write_finds_nothing(group: Group, app_log: pytest.LogCaptureFixture) -> None:
    group.start()
    group.click(ALICE, ids.EDIT, step=1)
    edit = group.modal(ALICE, ids.EDIT_VIEW)
    for metadata in ({"session": 10**30}, {"session": "1"}, {"session": True}, {"session": 1, "version": "x"}):
        forged = {**edit, "private_metadata": json.dumps(metadata)}
        reply = group.slack.post_payload(_submission(group, ALICE, forged, {}))
        assert reply.status == 200, reply
    settle(group.services)
    assert tracebacks(app_log) == []


def test_a_command_that_mentions_payload_is_a_command(group: Group) -> None:
    """Bolt alone reads any form containing the word "payload" as an empty body and answers 404."""
    reply = group.slack.command(CAROL, "journal The payload of my week: listening first")
    assert reply.status == 200 and reply.json()["text"] == t("journal_added_command")
    with group.services.db.session() as session:
        texts = [e.text for e in session.exec(select(JournalEntry).where(JournalEntry.user_id == CAROL)).all()]
    assert texts == ["The payload of my week: listening first"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"type": "block_actions", "user": {"id": ALICE}, "actions": "step_next", "trigger_id": "t"}, "actions"),
        ({"type": "block_actions", "user": {"id": ALICE}, "actions": [], "trigger_id": "t"}, "actions"),
        ({"type": "block_actions", "user": {"id": ALICE}, "actions": [{"value": "1:1"}], "trigger_id": "t"}, "id"),
        ({"type": "view_submission", "user": {"id": ALICE}, "view": {"id": "V1", "callback_id": "x"}}, "state"),
        (
            {
                "type": "view_submission",
                "user": {"id": ALICE},
                "view": {"id": "V1", "callback_id": "contract", "state": {"values": {"need": ["x"]}}},
            },
            "values",
        ),
        ({"type": "view_submission", "user": {"id": 7}, "view": {}}, "user.id"),
        ({"type": "shortcut", "user": "U0ALICE", "callback_id": "x", "trigger_id": "t"}, "user"),
        ({"type": "dance"}, "type"),
        ({"type": None}, "type"),
        ({"team_id": "T0CODEV01"}, "type"),
    ],
)
def test_interactive_payloads_without_slacks_envelope_are_refused(
    group: Group, app_log: pytest.LogCaptureFixture, body: dict[str, Any], where: str
) -> None:
    assert_rejected(group, app_log, group.slack.post_payload(body), where)


@pytest.mark.parametrize(
    ("event", "where"),
    [
        ({"type": "message", "channel": "C0CODEV01", "ts": 1712345678.0001}, "ts"),
        ({"type": "message", "channel": "C0CODEV01", "ts": "1.1", "user": 5}, "user"),
        ({"type": "message", "channel": "C0CODEV01", "ts": "1.1", "message": "edited"}, "message"),
        ({"type": "app_home_opened", "user": None, "channel": "D1"}, "user"),
        ({"type": "user_change", "user": "U0ALICE"}, "user"),
        ({"type": "user_change", "user": {"id": "U0ALICE", "deleted": "yes"}}, "deleted"),
        ({"type": "member_left_channel", "user": ALICE}, "channel"),
        ({"type": "reaction_added", "user": 12}, "user"),
        ({"type": 3}, "type"),
        ({"user": ALICE}, "type"),
        ({"type": "message", "channel": "C0CODEV01", "ts": "1.1", "user": ALICE, "text": "a\x00b"}, "NUL"),
    ],
)
def test_events_without_slacks_envelope_are_refused(
    group: Group, app_log: pytest.LogCaptureFixture, event: dict[str, Any], where: str
) -> None:
    assert_rejected(group, app_log, group.slack.event(event), where)


def test_forms_without_slacks_envelope_are_refused(group: Group, app_log: pytest.LogCaptureFixture) -> None:
    for body, where in (
        (b"command=%2Fcodev&text=help", "team_id"),
        (b"command=%2Fcodev&text=help&text=start&team_id=T1&user_id=U1&channel_id=C1&trigger_id=t", "repeated"),
        (b"payload=%7B%7D&payload=%7B%7D", "repeated"),
        (b"payload=%5B1%5D", "payload"),
        (b"", "empty"),
    ):
        assert_rejected(group, app_log, group.slack.post(body, "application/x-www-form-urlencoded"), where)
    assert_rejected(group, app_log, group.slack.post(b"[1, 2]", "application/json"), "body")
    deep = b'{"type": "event_callback", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert_rejected(group, app_log, group.slack.post(deep, "application/json"), "nested too deeply")
    nested = {"type": "url_verification", "challenge": "c", "x": json.loads("[" * 200 + "]" * 200)}
    assert_rejected(group, app_log, group.slack.post_json(nested), "nested too deeply")
    command = b"command=%2Fcodev&text=journal+a%00b&team_id=T0CODEV01&user_id=U0ALICE&channel_id=C1&trigger_id=t"
    assert_rejected(group, app_log, group.slack.post(command, "application/x-www-form-urlencoded"), "NUL")
