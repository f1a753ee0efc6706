"""Posting at most once: Slack has no idempotency key, so a delivery carries its row's id in the message
metadata, and a delivery that may have happened already (a process died mid-way) looks for it first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk import WebClient


def tag(event_type: str, row_id: int, due_at: datetime) -> dict[str, Any]:
    return {"event_type": event_type, "event_payload": {"event_id": row_id, "due_at": due_at.isoformat()}}


def find_tagged(messages: list[dict[str, Any]], wanted: dict[str, Any]) -> str | None:
    for message in messages:
        metadata = message.get("metadata") or {}
        if (
            metadata.get("event_type") == wanted["event_type"]
            and (metadata.get("event_payload") or {}) == wanted["event_payload"]
        ):
            return message["ts"]
    return None


def post_once(
    client: WebClient, channel: str, message: dict[str, Any], wanted: dict[str, Any], *, recovering: bool
) -> str:
    """Post `message` in `channel` (top level) unless a recovering delivery finds it was posted already."""
    if recovering:
        found = find_tagged(
            client.conversations_history(channel=channel, include_all_metadata=True, limit=50)["messages"], wanted
        )
        if found:
            return found
    return client.chat_postMessage(channel=channel, metadata=wanted, **message)["ts"]


def dm_once(
    client: WebClient, user_id: str, message: dict[str, Any], wanted: dict[str, Any], *, recovering: bool
) -> str:
    if not recovering:
        # Given a person's id as the channel, Slack posts in the app's DM with them (its Messages tab): no
        # conversations.open first. Looking for an earlier try needs the DM's own id.
        ts: str = client.chat_postMessage(channel=user_id, metadata=wanted, **message)["ts"]
        return ts
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    return post_once(client, channel, message, wanted, recovering=recovering)
