"""Links to messages written from the workspace's URL, as Slack's chat.getPermalink writes them (issue 16)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.slack import links


class Client:
    """Counts what is asked; answers auth.test as Slack does."""

    def __init__(self, auth: dict[str, Any]) -> None:
        self.auth = auth
        self.asked: list[str] = []

    def auth_test(self) -> dict[str, Any]:
        self.asked.append("auth.test")
        return self.auth

    def chat_getPermalink(self, *, channel: str, message_ts: str) -> dict[str, Any]:
        self.asked.append("chat.getPermalink")
        return {"permalink": f"https://asked.example/{channel}/{message_ts}"}


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    links.forget()
    yield
    links.forget()


def test_a_message_and_a_reply_are_linked_as_slack_links_them_with_one_auth_test() -> None:
    client = Client({"team_id": "T1", "url": "https://acme.slack.com/"})
    top = links.permalink(client, "T1", "C1", "1358546515.000008")  # type: ignore[arg-type]
    reply = links.permalink(client, "T1", "C1", "1358546517.000023", thread_ts="1358546515.000008")  # type: ignore[arg-type]
    assert top == "https://acme.slack.com/archives/C1/p1358546515000008"
    assert reply == "https://acme.slack.com/archives/C1/p1358546517000023?thread_ts=1358546515.000008&cid=C1"
    assert client.asked == ["auth.test"]


def test_a_url_learnt_from_bolts_authorization_costs_no_call() -> None:
    links.learn("T1", "https://acme.slack.com")
    client = Client({})
    assert links.permalink(client, "T1", "C1", "1.000002") == "https://acme.slack.com/archives/C1/p1000002"  # type: ignore[arg-type]
    assert client.asked == []


def test_slack_is_asked_in_a_grid_without_a_url_or_for_another_workspaces_client() -> None:
    grid = Client({"team_id": "T1", "url": "https://acme.slack.com/", "enterprise_id": "E1"})
    assert links.permalink(grid, "T1", "C1", "1.2") == "https://asked.example/C1/1.2"  # type: ignore[arg-type]
    assert links.permalink(grid, "T1", "C1", "1.3") == "https://asked.example/C1/1.3"  # type: ignore[arg-type]
    assert grid.asked == ["auth.test", "chat.getPermalink", "chat.getPermalink"], "auth.test once, then Slack"
    no_url = Client({"team_id": "T2", "url": "not a url"})
    assert links.permalink(no_url, "T2", "C1", "1.2") == "https://asked.example/C1/1.2"  # type: ignore[arg-type]
    other = Client({"team_id": "T9", "url": "https://other.slack.com/"})
    assert links.permalink(other, "T3", "C1", "1.2") == "https://asked.example/C1/1.2"  # type: ignore[arg-type]
    assert links.permalink(Client({}), None, "C1", "1.2") == "https://asked.example/C1/1.2"  # type: ignore[arg-type]
