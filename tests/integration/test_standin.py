"""The Slack stand-in behaves like Slack: state, spec checks, and failures on demand."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.client import make_web_client
from tests.conftest import CHANNEL
from tests.support.faulty_standin import FaultyStandIn


@pytest.fixture
def client(standin: FaultyStandIn) -> WebClient:
    return make_web_client("xoxb-test-token", standin.api_url)


def test_messages_are_kept_and_threads_answered(client: WebClient, standin: FaultyStandIn) -> None:
    root = client.chat_postMessage(channel=CHANNEL, text="Step 1/6 · Presentation")
    client.chat_postMessage(channel=CHANNEL, text="in thread", thread_ts=root["ts"])
    standin.user_posts(CHANNEL, "U0BOB", "my situation", thread_ts=root["ts"])
    replies = client.conversations_replies(channel=CHANNEL, ts=root["ts"])["messages"]
    assert [m["text"] for m in replies] == ["Step 1/6 · Presentation", "in thread", "my situation"]
    history = client.conversations_history(channel=CHANNEL)["messages"]
    assert [m["text"] for m in history] == ["Step 1/6 · Presentation"]


def test_update_of_an_unknown_message_fails(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as error:
        client.chat_update(channel=CHANNEL, ts="1.000000", text="x")
    assert error.value.response["error"] == "message_not_found"


def test_dm_and_user_facts(client: WebClient) -> None:
    dm = client.conversations_open(users="U0BOB")["channel"]["id"]
    assert dm.startswith("D")
    user = client.users_info(user="U0BOB")["user"]
    assert user["tz"] == "America/Montreal"
    assert {"tz_offset", "is_bot", "deleted"} <= set(user)
    assert "locale" not in user, "Slack gives the locale only with include_locale"
    assert client.users_info(user="U0BOB", include_locale=True)["user"]["locale"] == "en-US"


def test_rate_limit_is_retried_after_retry_after(client: WebClient, standin: FaultyStandIn) -> None:
    standin.fail("chat.postMessage", "ratelimited", retry_after=1)
    response = client.chat_postMessage(channel=CHANNEL, text="hello")
    assert response["ok"]
    assert len(standin.calls_to("chat.postMessage")) == 2
    assert len(standin.messages(CHANNEL)) == 1


def test_server_error_and_dropped_connection_are_retried(client: WebClient, standin: FaultyStandIn) -> None:
    standin.fail("chat.postMessage", "internal_error", status=500)
    standin.fail("chat.postMessage", "dropped", drop=True)
    assert client.chat_postMessage(channel=CHANNEL, text="hello")["ok"]
    assert len(standin.calls_to("chat.postMessage")) == 3


def test_channel_errors_on_demand_and_for_real(client: WebClient, standin: FaultyStandIn) -> None:
    standin.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=CHANNEL, text="x")
    standin.remove_bot_from(CHANNEL)
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel=CHANNEL, text="x")
    assert error.value.response["error"] == "not_in_channel"


def test_files_upload_v2_goes_through_a_loopback_upload_url(client: WebClient, standin: FaultyStandIn) -> None:
    dm = client.conversations_open(users="U0BOB")["channel"]["id"]
    client.files_upload_v2(channel=dm, filename="journal.md", content="# My journal\n", title="Journal")
    (stored,) = standin.files.values()
    assert stored["content"] == b"# My journal\n"
    assert stored["shared_in"] == dm


def test_spec_check_catches_an_unknown_method(standin: FaultyStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError):
        client.api_call("chat.teleport", json={"channel": CHANNEL})
    assert standin.violations == ["chat.teleport: no such Web API method in Slack's spec"]
    standin.violations.clear()  # this test provoked it on purpose


def test_spec_check_catches_a_missing_required_argument(standin: FaultyStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError):
        client.api_call("chat.update", json={"channel": CHANNEL, "text": "no ts"})
    assert standin.violations == ["chat.update: required argument 'ts' is missing"]
    standin.violations.clear()


def test_a_call_without_token_is_refused(standin: FaultyStandIn) -> None:
    anonymous = WebClient(base_url=standin.api_url)
    with pytest.raises(SlackApiError):
        anonymous.api_call("chat.postMessage", json={"channel": CHANNEL, "text": "x"})
    assert standin.violations == ["chat.postMessage: required argument 'token' is missing"]
    standin.violations.clear()
    assert standin.messages(CHANNEL) == []


def test_a_workspace_without_a_token_is_refused_here_not_sent(standin: FaultyStandIn) -> None:
    """Several workspaces: work under way when a workspace uninstalled codev has no token left; the call fails
    with Slack's own `not_authed` without going to Slack (which would refuse it, and whose spec requires one)."""
    tokens = {"T0ONE": "xoxb-one"}
    team = {"now": "T0GONE"}
    client = make_web_client(None, standin.api_url, tokens=tokens.get, team=lambda: team["now"])
    calls_before = len(standin.calls)
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel=CHANNEL, text="Saved to your private journal")
    assert refused.value.response["error"] == "not_authed"
    assert len(standin.calls) == calls_before, "nothing sent"
    team["now"] = "T0ONE"
    assert client.api_test()["ok"]  # a method that needs no token goes out as ever
