"""Socket Mode for real: `codev run --socket` against a WebSocket server on loopback playing Slack's side."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import t
from bot.sandbox.circle import ALICE, BOB, CHANNEL, Circle, eventually
from bot.sandbox.standin import BOT_USER_ID
from tests.support.faulty_standin import FaultyStandIn
from tests.support.socket_slack import APP_ID, SocketDriver, SocketModeSlack

APP_TOKEN = "xapp-1-A0CODEV01-1-test"


class SocketBot:
    """A `codev run --socket` process on the test's database, stand-in and Socket Mode server."""

    def __init__(self, standin: FaultyStandIn, database_url: str, workdir: Path, app_token: str = APP_TOKEN) -> None:
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_APP_TOKEN": app_token,
            "SLACK_API_URL": standin.api_url,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "INFO",
            "CODEV_WORKING_DAYS": "mon-sun",
            "CODEV_WORKING_HOURS": "00:00-24:00",
        }
        self.workdir = workdir
        self.log_path = workdir / "codev-socket.log"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> subprocess.Popen[str]:
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--socket"],
                env=self.env,
                cwd=self.workdir,
                stdout=subprocess.DEVNULL,
                stderr=log,
                text=True,
            )
        return self.process

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)


@pytest.fixture
def slack_side(standin: FaultyStandIn) -> Iterator[SocketModeSlack]:
    server = SocketModeSlack().start()
    standin.socket_mode_url = server.open_url
    yield server
    server.stop()


@pytest.fixture
def socket_bot(standin: FaultyStandIn, database_url: str, tmp_path: Path) -> Iterator[SocketBot]:
    bot = SocketBot(standin, database_url, tmp_path)
    yield bot
    bot.stop()
    print(bot.log())  # shown when a test fails


# ---- payloads of Slack's shapes ----------------------------------------------------------------------------
def slash_command(user_id: str, text: str, channel_id: str = CHANNEL) -> dict[str, Any]:
    return {
        "token": "deprecated-verification-token",
        "team_id": "T0CODEV01",
        "team_domain": "codev-sandbox",
        "channel_id": channel_id,
        "channel_name": "codev",
        "user_id": user_id,
        "user_name": "alice",
        "command": "/codev",
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": "https://hooks.slack.com/commands/T0CODEV01/1/abc",
        "trigger_id": f"trigger.{user_id}.1",
    }


def dm_event(user_id: str, text: str, ts: str, event_id: str) -> dict[str, Any]:
    dm = "D" + user_id[1:]
    return {
        "token": "deprecated-verification-token",
        "team_id": "T0CODEV01",
        "api_app_id": APP_ID,
        "event": {
            "type": "message",
            "user": user_id,
            "text": text,
            "ts": ts,
            "channel": dm,
            "channel_type": "im",
            "event_ts": ts,
        },
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": "T0CODEV01", "user_id": BOT_USER_ID, "is_bot": True}],
        "is_ext_shared_channel": False,
    }


def message_shortcut(standin: FaultyStandIn, user_id: str, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "message_action",
        "token": "deprecated-verification-token",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": "T0CODEV01", "domain": "codev-sandbox"},
        "user": {"id": user_id, "username": "alice", "team_id": "T0CODEV01"},
        "channel": {"id": CHANNEL, "name": "codev"},
        "callback_id": "save_to_journal",
        "trigger_id": f"trigger.{user_id}.2",
        "message_ts": message["ts"],
        "message": message,
        "response_url": f"{standin.base_url}/response/R000001",
        "api_app_id": APP_ID,
        "is_enterprise_install": False,
    }


def saved_notes(standin: FaultyStandIn, user_id: str) -> list[dict[str, Any]]:
    dm = "D" + user_id[1:]
    if dm not in standin.channels:
        return []
    return [m for m in standin.messages(dm) if m.get("user") == BOT_USER_ID]


def wait_until(check: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("waited in vain")


# ---- the tests ---------------------------------------------------------------------------------------------
def test_codev_serves_commands_clicks_and_events_over_socket_mode(
    standin: FaultyStandIn, slack_side: SocketModeSlack, socket_bot: SocketBot
) -> None:
    socket_bot.start()
    link = slack_side.wait_connected()
    assert link.ticket, "codev connected with the URL apps.connections.open gave it"
    opens = standin.calls_to("apps.connections.open")
    assert [call.token for call in opens] == [APP_TOKEN], "the app-level token opens the connection"

    # Alice types `/codev help`: the ack carries the usage text, as HTTP mode's 200 would.
    envelope = slack_side.send("slash_commands", slash_command(ALICE, "help"))
    ack = slack_side.ack(envelope)
    assert ack["envelope_id"] == envelope
    assert ack["payload"]["text"] == t("usage_fallback")
    assert ack["payload"]["response_type"] == "ephemeral"

    # Alice writes to codev in its DM: a journal entry, confirmed once.
    standin._open_dm(ALICE)
    said = dm_event(ALICE, "Listening before advising works.", "1700000001.000100", "Ev0SOCK01")
    envelope = slack_side.send("events_api", said)
    assert slack_side.ack(envelope)["envelope_id"] == envelope
    wait_until(lambda: saved_notes(standin, ALICE))

    # Slack did not see that ack in time and sends the same event again: acked, not handled twice.
    again = slack_side.send("events_api", said, retry_attempt=1)
    assert slack_side.ack(again)["envelope_id"] == again
    time.sleep(1.0)
    assert len(saved_notes(standin, ALICE)) == 1

    # Alice saves a channel message to her journal with the message shortcut (an interactive envelope).
    message = standin.user_posts(CHANNEL, BOB, "Ask open questions first.")
    envelope = slack_side.send("interactive", message_shortcut(standin, ALICE, message))
    assert slack_side.ack(envelope)["envelope_id"] == envelope
    wait_until(lambda: any("Ask open questions first." in r.get("text", "") for r in standin.responses))


def test_after_slacks_disconnect_message_codev_reconnects_and_keeps_serving(
    standin: FaultyStandIn, slack_side: SocketModeSlack, socket_bot: SocketBot
) -> None:
    socket_bot.start()
    first = slack_side.wait_connected()
    slack_side.disconnect("refresh_requested")
    second = slack_side.wait_connected(count=2)
    assert second is not first
    assert first.closed.wait(15), "codev closes the old connection once the new one is up"
    assert len(standin.calls_to("apps.connections.open")) == 2, "a new URL for the new connection"

    envelope = slack_side.send("slash_commands", slash_command(ALICE, "help"))
    assert slack_side.ack(envelope)["payload"]["text"] == t("usage_fallback")


def test_after_a_dropped_connection_codev_reconnects_and_keeps_serving(
    standin: FaultyStandIn, slack_side: SocketModeSlack, socket_bot: SocketBot
) -> None:
    socket_bot.start()
    slack_side.wait_connected()
    slack_side.drop()
    slack_side.wait_connected(count=2, timeout=40)

    envelope = slack_side.send("slash_commands", slash_command(ALICE, "help"))
    assert slack_side.ack(envelope)["payload"]["text"] == t("usage_fallback")
    assert socket_bot.process is not None and socket_bot.process.poll() is None


def test_a_refused_app_token_is_said_in_one_line(
    standin: FaultyStandIn, slack_side: SocketModeSlack, database_url: str, tmp_path: Path
) -> None:
    bot = SocketBot(standin, database_url, tmp_path, app_token="xapp-1-A0CODEV01-1-revoked")
    process = bot.start()
    assert process.wait(timeout=30) == 2
    log = bot.log()
    assert "Traceback" not in log, log
    lines = [line for line in log.splitlines() if line.startswith("codev:")]
    assert len(lines) == 1, log
    assert "SLACK_APP_TOKEN was refused by Slack (invalid_auth)" in lines[0]
    assert slack_side.links == []


def test_a_session_starts_over_socket_mode_and_a_wrong_modal_is_answered_in_the_ack(
    standin: FaultyStandIn, slack_side: SocketModeSlack, socket_bot: SocketBot
) -> None:
    socket_bot.start()
    slack_side.wait_connected()
    circle = Circle(SocketDriver(slack_side, standin), standin, services=None)

    # Alice opens the start modal with /codev start, and names herself as the client by mistake.
    view = circle.open_start_modal(ALICE, "Handing over my team")
    answer = json.loads(circle.submit_start(view, client=ALICE).body)
    assert answer["response_action"] == "errors"
    assert "cannot also facilitate" in answer["errors"]["client"]
    assert circle.messages() == [], "nothing is posted while the modal has errors"

    # She picks Bob: the ack closes the modal (no payload) and the session's first step is posted.
    reply = circle.submit_start(view)
    assert reply.status == 200 and not reply.body
    step = eventually(lambda: circle.step_message(1))
    assert "Handing over my team" in json.dumps(circle.root())
    assert step["user"] == BOT_USER_ID
