"""The request URL acks first: an event once the inbox keeps it, and a command or a click at once while other requests
are in hand; Bolt and the listeners get them after the ack."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.domain.steps import Step
from bot.sandbox.standin import BOT_ID, BOT_USER_ID
from bot.services.events import first_delivery
from bot.slack import ids
from bot.slack.listeners import events as event_listeners
from bot.storage.models import JournalEntry, ProcessedEvent
from tests.conftest import BOB, CAROL, Group, eventually


def inbox(group: Group, event_id: str) -> ProcessedEvent | None:
    with group.services.db.read() as session:
        return session.get(ProcessedEvent, (group.standin.team_id, event_id))


def kept_requests(group: Group) -> list[ProcessedEvent]:
    """Commands and clicks the inbox kept because they were acked first."""
    with group.services.db.read() as session:
        return list(session.exec(select(ProcessedEvent).where(col(ProcessedEvent.event_id).startswith("request:"))))


def carol_s_entries(group: Group) -> list[str]:
    with group.services.db.read() as session:
        return list(session.exec(select(JournalEntry.text).where(JournalEntry.user_id == CAROL)).all())


def dm_event(group: Group, user_id: str, text: str, **extra: Any) -> dict[str, Any]:
    ts = group.standin.new_ts()
    channel = group.standin.dm_channel(CAROL)
    return {
        "type": "message",
        "channel": channel,
        "channel_type": "im",
        "user": user_id,
        "text": text,
        "ts": ts,
        **extra,
    }


def test_a_dm_is_acknowledged_with_an_empty_200_and_its_entry_saved_after(group: Group) -> None:
    reply = group.slack.event(dm_event(group, CAROL, "Ask before advising"), event_id="EvAck0001")
    assert (reply.status, reply.body) == (200, "")
    assert eventually(lambda: carol_s_entries(group)) == ["Ask before advising"]
    row = eventually(lambda: (r := inbox(group, "EvAck0001")) is not None and r.state == "done" and r)
    assert row.payload is None, "a handled delivery forgets its payload"


def test_codev_s_own_message_is_kept_then_closed_without_any_work(group: Group) -> None:
    """Bolt drops the bot's own messages before codev's middlewares: the delivery is closed, never replayed."""
    posted_before = len(group.standin.calls)
    event = dm_event(group, BOT_USER_ID, "Saved to your private journal", bot_id=BOT_ID)
    assert group.slack.event(event, event_id="EvAckSelf01").status == 200
    eventually(lambda: (r := inbox(group, "EvAckSelf01")) is not None and r.state == "done")
    assert carol_s_entries(group) == []
    assert [c for c in group.standin.calls[posted_before:] if c.method == "chat.postMessage"] == []


def test_when_the_inbox_cannot_keep_a_delivery_slack_gets_a_500_and_its_retry_is_handled(
    group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_gone(*args: Any, **kwargs: Any) -> bool:
        raise OSError("the database went away")

    event = dm_event(group, CAROL, "Silence is a question too")
    with monkeypatch.context() as patch:
        patch.setattr(event_listeners, "first_delivery", database_gone)
        refused = group.slack.event(event, event_id="EvAck500")
    assert refused.status == 500 and "Traceback" not in refused.body
    assert inbox(group, "EvAck500") is None and carol_s_entries(group) == []

    assert group.slack.event(event, event_id="EvAck500", retry_num=1).status == 200
    assert eventually(lambda: carol_s_entries(group)) == ["Silence is a question too"]


def test_a_retry_of_a_kept_delivery_is_acknowledged_and_handled_once(group: Group) -> None:
    event = dm_event(group, CAROL, "Name the need before the ideas")
    assert group.slack.event(event, event_id="EvAckTwice").status == 200
    assert group.slack.event(event, event_id="EvAckTwice", retry_num=1).status == 200
    eventually(lambda: (r := inbox(group, "EvAckTwice")) is not None and r.state == "done")
    assert carol_s_entries(group) == ["Name the need before the ideas"]


# ---- under load: commands and clicks acked first -------------------------------------------------------------
def test_a_command_while_others_are_in_hand_is_acked_at_once_and_answered_through_its_response_url(
    group: Group,
) -> None:
    """Another request is being answered: `/codev status` gets an empty 200 at once, then its usual answer, privately,
    once that request is done."""
    group.start("Handing over my team")
    answered_before = len(group.standin.responses)
    with group.services.acks_first.acking():  # someone else's request, in hand
        reply = group.slack.command(CAROL, "status")
        assert (reply.status, reply.body) == (200, "")
    answer = eventually(lambda: group.standin.responses[answered_before:])[-1]
    assert answer["response_type"] == "ephemeral" and "Handing over my team" in str(answer)


def test_a_command_alone_is_answered_in_its_ack_as_before(group: Group) -> None:
    reply = group.slack.command(CAROL, "status")
    assert reply.status == 200 and "No session" in reply.json()["text"]


def test_a_click_while_others_are_in_hand_is_acked_at_once_and_still_counted(group: Group) -> None:
    """Bob, the client, says he is done presenting while another request is in hand."""
    group.start()
    with group.services.acks_first.acking():
        reply = group.click(BOB, ids.DONE, step=1)
        assert (reply.status, reply.body) == (200, "")
    running = lambda: group.services.sessions.running_in(group.standin.team_id, group.channel)[0]  # noqa: E731
    eventually(lambda: BOB in running().done[Step.PRESENTATION])
    assert any("done" in note.lower() for note in group.private_notes())


def test_a_modal_submission_is_never_deferred_its_ack_carries_the_errors(group: Group) -> None:
    view = group.open_start_modal()
    with group.services.acks_first.acking():
        reply = group.submit_start(view, client="U0NOBODY")  # nobody Slack knows: the modal says so, in the ack
    assert reply.status == 200 and reply.json()["response_action"] == "errors"


def test_a_command_acked_under_load_is_kept_until_handled(group: Group) -> None:
    with group.services.acks_first.acking():
        assert group.slack.command(CAROL, "status").status == 200
    eventually(lambda: group.standin.responses)

    assert len(eventually(lambda: kept_requests(group))) == 1
    eventually(lambda: kept_requests(group)[0].state == "done")
    assert kept_requests(group)[0].payload is None


def test_a_kept_command_whose_process_stopped_is_answered_by_the_next_leader(group: Group) -> None:
    """The process that acked `/codev status` under load stopped before Bolt had it: the replay answers it."""
    body = {
        "token": "deprecated-verification-token",
        "team_id": group.standin.team_id,
        "channel_id": group.channel,
        "user_id": CAROL,
        "command": "/codev",
        "text": "status",
        "api_app_id": "A0CODEV01",
        "response_url": group.slack.response_url(),
        "trigger_id": group.slack.trigger_id(CAROL),
    }
    key = "request:0123456789abcdef"
    now = group.services.clock.now()
    assert first_delivery(group.services.db, group.standin.team_id, key, now, json.dumps(body), "a-stopped-process")
    assert group.services.replay_inbox is not None and group.services.replay_inbox() == 1
    answer = eventually(lambda: group.standin.responses)[-1]
    assert answer["response_type"] == "ephemeral" and "No session" in answer["text"]
    assert (row := inbox(group, key)) is not None and row.state == "done"
    assert group.services.replay_inbox() == 0, "handled once"


def test_a_kept_event_that_fails_before_its_listener_is_handed_back_and_replayed(
    group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A middleware failing (the database out of reach, say) used to answer Slack 500, and Slack sent the event
    again; acked already, the event is given back to the inbox, and the next sweep handles it."""
    from bot import app as composition

    failures = iter([OSError("the database went away")])

    def learn_once(*args: Any, **kwargs: Any) -> None:
        if (failure := next(failures, None)) is not None:
            raise failure

    monkeypatch.setattr(composition.links, "learn", learn_once)
    assert group.slack.event(dm_event(group, CAROL, "Breathe before answering"), event_id="EvBack").status == 200
    eventually(lambda: (row := inbox(group, "EvBack")) is not None and row.owner is None and row.state == "pending")
    assert carol_s_entries(group) == []
    group.services.clock.advance(timedelta(seconds=11))
    assert group.services.replay_inbox is not None and group.services.replay_inbox() == 1
    assert eventually(lambda: carol_s_entries(group)) == ["Breathe before answering"]
    eventually(lambda: (row := inbox(group, "EvBack")) is not None and row.state == "done")


def test_a_replayed_event_bolt_drops_is_closed_not_replayed_again(group: Group) -> None:
    event = dm_event(group, BOT_USER_ID, "Saved to your private journal", bot_id=BOT_ID)
    body = {"type": "event_callback", "team_id": group.standin.team_id, "event_id": "EvSelfReplay", "event": event}
    body["authorizations"] = [{"team_id": group.standin.team_id, "user_id": BOT_USER_ID, "is_bot": True}]
    now = group.services.clock.now()
    assert first_delivery(group.services.db, group.standin.team_id, "EvSelfReplay", now, json.dumps(body), "gone")
    assert group.services.replay_inbox is not None and group.services.replay_inbox() == 1
    assert (row := inbox(group, "EvSelfReplay")) is not None and row.state == "done"
    assert group.services.replay_inbox() == 0


def test_a_deferred_command_whose_listener_acks_after_bolt_stopped_waiting_still_answers(
    group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bolt waits 3 s for a listener's ack; a busy listener pool may take longer. The answer goes from the ack."""
    import time

    sessions = group.services.sessions
    real = sessions.running_in

    def slow_running_in(*args: Any, **kwargs: Any) -> Any:
        time.sleep(3.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(sessions, "running_in", slow_running_in)
    answered_before = len(group.standin.responses)
    with group.services.acks_first.acking():
        assert group.slack.command(CAROL, "status").status == 200
    answer = eventually(lambda: group.standin.responses[answered_before:], timeout=15)[-1]
    assert "No session" in answer["text"] and answer["response_type"] == "ephemeral"

    eventually(lambda: [row.state for row in kept_requests(group)] == ["done"])
