"""The app answers Slack's requests over real HTTP, and rejects anything that is not Slack."""

from __future__ import annotations

import json
import time
import urllib.request

from bot.sandbox.driver import SlackDriver, sign
from tests.conftest import SIGNING_SECRET, RunningApp


def test_codev_help_answers_with_private_usage(slack: SlackDriver) -> None:
    reply = slack.command("U0ALICE", "help")
    assert reply.status == 200
    body = reply.json()
    assert body["response_type"] == "ephemeral"
    assert "/codev start" in body["blocks"][0]["text"]["text"]


def test_codev_with_no_text_shows_usage(slack: SlackDriver) -> None:
    body = slack.command("U0ALICE", "").json()
    assert "/codev start" in body["text"]


def test_unknown_subcommand_names_it_and_shows_usage(slack: SlackDriver) -> None:
    body = slack.command("U0ALICE", "dance now").json()
    assert body["text"].startswith("Unknown command 'dance'.")
    assert "/codev start" in body["blocks"][1]["text"]["text"]


def test_bad_signature_is_rejected(slack: SlackDriver, standin) -> None:
    calls_before = len(standin.calls)
    reply = slack.post_form({"command": "/codev", "text": "help"}, signature="v0=" + "0" * 64)
    assert reply.status == 401
    assert len(standin.calls) == calls_before


def test_request_signed_with_another_secret_is_rejected(slack: SlackDriver) -> None:
    body = b"command=%2Fcodev&text=help"
    stamp = str(int(time.time()))
    reply = slack.post(body, "application/x-www-form-urlencoded", signature=sign("not-the-secret", stamp, body))
    assert reply.status == 401


def test_timestamp_older_than_five_minutes_is_rejected(slack: SlackDriver) -> None:
    reply = slack.command("U0ALICE", "help", timestamp=int(time.time()) - 6 * 60)
    assert reply.status == 401


def test_missing_signature_headers_are_rejected(running_app: RunningApp) -> None:
    request = urllib.request.Request(
        running_app.url,
        data=b"command=%2Fcodev",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        urllib.request.urlopen(request, timeout=5)
        raise AssertionError("expected a rejection")
    except urllib.error.HTTPError as error:
        assert error.code == 401


def test_malformed_body_is_rejected_cleanly(slack: SlackDriver) -> None:
    reply = slack.post(b"payload=%7Bnot-json", "application/x-www-form-urlencoded")
    assert reply.status == 400
    assert "Traceback" not in reply.body
    reply = slack.post(b"{broken", "application/json")
    assert reply.status == 400


def test_url_verification_is_answered(slack: SlackDriver) -> None:
    reply = slack.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert reply.status == 200
    assert reply.json()["challenge"] == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"


def test_retried_event_is_acknowledged(slack: SlackDriver) -> None:
    event = {
        "type": "app_mention",
        "user": "U0ALICE",
        "text": "hi",
        "ts": "1.000001",
        "channel": "C0CODEV01",
        "event_ts": "1.000001",
    }
    assert slack.event(event, event_id="Ev0RETRY").status == 200
    assert slack.event(event, event_id="Ev0RETRY", retry_num=1).status == 200


def test_health_check_says_the_process_serves(running_app: RunningApp) -> None:
    with urllib.request.urlopen(running_app.base_url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"status": "ok"}


def test_readiness_is_503_when_the_database_is_unreachable(running_app: RunningApp, mocker) -> None:
    # Liveness never looks at the database; readiness does (tests/scenario/test_operations.py has more).
    mocker.patch.object(running_app.services.db, "read_problem", return_value="OperationalError")
    try:
        urllib.request.urlopen(running_app.base_url + "/readyz", timeout=5)
        raise AssertionError("expected 503")
    except urllib.error.HTTPError as error:
        assert error.code == 503
        assert json.loads(error.read())["failing"] == ["database"]


def test_unknown_path_is_404(running_app: RunningApp) -> None:
    try:
        urllib.request.urlopen(running_app.base_url + "/nope", timeout=5)
        raise AssertionError("expected 404")
    except urllib.error.HTTPError as error:
        assert error.code == 404


def test_signature_helper_matches_slacks_documented_example() -> None:
    # The example from Slack's "Verifying requests from Slack" documentation.
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&"
        b"channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
        b"response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
        b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    assert sign(SIGNING_SECRET, "1531420618", body) == (
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )


def test_a_global_shortcut_codev_does_not_offer_is_refused_cleanly(slack: SlackDriver) -> None:
    reply = slack.global_shortcut("U0ALICE", "not_a_codev_shortcut")
    assert reply.status == 404
    assert "Traceback" not in reply.body
