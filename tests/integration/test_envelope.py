"""The envelope check (bot/slack/envelope.py) lets through every kind of request Slack sends, as the driver
sends them: it refuses only what Slack could not have sent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.sandbox.circle import ALICE, BOB, CHANNEL
from bot.sandbox.driver import Reply, SlackDriver
from bot.slack import envelope, ids
from bot.slack.blocks import modals
from tests.support.faulty_standin import FaultyStandIn


class Recording(SlackDriver):
    """Builds each request as the driver sends it, and keeps it instead of sending it."""

    def __init__(self, standin: FaultyStandIn) -> None:
        super().__init__("http://127.0.0.1:9/slack/events", "secret", standin)
        self.sent: list[tuple[str, str]] = []

    def post(self, body: bytes, content_type: str, **kwargs: Any) -> Reply:
        self.sent.append((body.decode(), content_type))
        return Reply(200, "", {})


def every_kind_of_request(standin: FaultyStandIn) -> list[tuple[str, str]]:
    slack = Recording(standin)
    button = {"type": "button", "action_id": ids.NEXT, "value": "1:1", "text": {"type": "plain_text", "text": "Next"}}
    posted = standin.handle(
        "chat.postMessage",
        {"channel": CHANNEL, "text": "Step 1", "blocks": json.dumps([{"type": "actions", "elements": [button]}])},
        True,
    )
    view = standin.handle(
        "views.open",
        {
            "trigger_id": f"trigger.{ALICE}.1",
            "view": json.dumps(modals.start_modal(topic="", user_id=ALICE, channel_id=CHANNEL)),
        },
        True,
    )
    view_id = view[2]["view"]["id"]
    slack.command(ALICE, "start Handing over & <more>")
    slack.command(ALICE, "journal the payload of my week", channel_id=standin.dm_channel(ALICE))
    slack.click(ALICE, ids.NEXT, channel_id=CHANNEL)
    slack.choose(ALICE, view_id, ids.START_PACE, "async")
    slack.submit(ALICE, view_id, {"client": BOB, "consultants": [BOB], "topic": "A case", "group_size": ["confirm"]})
    slack.global_shortcut(ALICE, "anything")
    slack.shortcut_on_message(
        ALICE, ids.JOURNAL_SHORTCUT, CHANNEL, {"type": "message", "ts": posted[2]["ts"], "text": "x"}
    )
    message = slack.say(BOB, CHANNEL, "A question", thread_ts=posted[2]["ts"])
    slack.edit(BOB, CHANNEL, message, "A better question")
    slack.delete(CHANNEL, message)
    slack.say(BOB, standin.dm_channel(BOB), "A journal entry")
    slack.open_home(ALICE)
    slack.event({"type": "member_left_channel", "user": BOB, "channel": CHANNEL, "channel_type": "G"})
    slack.event(
        {"type": "user_change", "user": {"id": BOB, "team_id": standin.team_id, "tz": "Europe/Paris", "deleted": False}}
    )
    slack.event({"type": "reaction_added", "user": BOB, "item": {"type": "message", "channel": CHANNEL, "ts": "1.1"}})
    slack.event({"type": "app_mention", "user": BOB, "text": "hi", "ts": "1.1", "channel": CHANNEL}, retry_num=1)
    slack.url_verification("challenge-token")
    slack.post(b"ssl_check=1&token=x", "application/x-www-form-urlencoded")
    return slack.sent


@pytest.fixture
def recorded(standin: FaultyStandIn) -> list[tuple[str, str]]:
    return every_kind_of_request(standin)


def test_every_kind_of_request_slack_sends_passes(recorded: list[tuple[str, str]]) -> None:
    assert len(recorded) == 18
    for body, content_type in recorded:
        request = envelope.bolt_request(body, query="", headers={"content-type": content_type})
        assert request.body, body


def test_a_command_that_mentions_payload_reaches_bolt_as_a_command(recorded: list[tuple[str, str]]) -> None:
    body, content_type = recorded[1]
    request = envelope.bolt_request(body, query="", headers={"content-type": content_type})
    assert request.body["command"] == "/codev" and request.body["text"] == "journal the payload of my week"
    assert request.context.user_id == ALICE
