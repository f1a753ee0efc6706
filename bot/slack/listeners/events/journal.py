"""Messages to the bot in its DM: journal entries, a few command words, edits and deletions."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n import t
from bot.slack.blocks.home import latest_entries, saved_confirmation
from bot.slack.context import Services

log = logging.getLogger(__name__)
COMMAND_WORDS = ("help", "list", "export")


def on_direct_message(services: Services, team_id: str, event: dict[str, Any]) -> None:
    subtype = event.get("subtype")
    channel_id = event.get("channel", "")
    if subtype == "message_changed":
        message = event.get("message") or {}
        if message.get("user") and not message.get("bot_id") and not message.get("thread_ts"):
            services.journal.edit_from_source(
                team_id, message["user"], channel_id, message.get("ts", ""), message.get("text") or ""
            )
            services.home.refresh(team_id, message["user"])
        return
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        removed = services.journal.delete_from_source(
            team_id, previous.get("user"), channel_id, event.get("deleted_ts", "")
        )
        if removed is not None and previous.get("user"):
            if removed.confirmation_ts:  # the "Saved" note now says the entry is gone
                try:
                    services.client.chat_update(
                        channel=channel_id, ts=removed.confirmation_ts, text=t("journal_undone"), blocks=[]
                    )
                except SlackApiError:
                    log.info("could not update the journal confirmation", exc_info=True)
            services.home.refresh(team_id, previous["user"])
        return
    if subtype not in (None, "file_share") or event.get("bot_id") or not event.get("user"):
        return  # the bot's own messages, joins and other noise
    user_id = event["user"]
    text = (event.get("text") or "").strip()
    client = services.client
    if event.get("thread_ts") and event.get("thread_ts") != event.get("ts"):
        # A reply in a thread of one of the bot's DMs belongs to what it answers, not to the journal.
        if text.startswith("/"):
            _say(client, channel_id, t("journal_slash_in_thread"), thread_ts=event["thread_ts"])
        return
    if not text:
        if event.get("files"):
            _say(client, channel_id, t("journal_file_only"))
        return
    word = text.lower()
    if word in COMMAND_WORDS:
        _command(services, team_id, user_id, channel_id, word)
        return
    if text.startswith("- "):
        text = text[2:].strip()  # the documented way to start an entry with a command word
    entry = services.journal.add(
        team_id, user_id, text, origin="dm", source_channel_id=channel_id, source_ts=event["ts"]
    )
    if entry.confirmation_ts:
        return  # a replayed delivery: the entry and its "Saved" note are there already
    ts = _say(client, channel_id, **saved_confirmation(entry))
    if ts:
        services.journal.set_confirmation(team_id, user_id, entry.id, ts)
    services.home.refresh(team_id, user_id)


def _command(services: Services, team_id: str, user_id: str, channel_id: str, word: str) -> None:
    if word == "help":
        _say(services.client, channel_id, t("journal_help"))
    elif word == "list":
        entries, total = services.journal.page(team_id, user_id, size=10)
        names = services.people.cached_name
        _say(services.client, channel_id, **latest_entries(entries, total, lambda user_id: names(team_id, user_id)))
    else:
        _say(services.client, channel_id, services.home.export(team_id, user_id))


def _say(client: WebClient, channel_id: str, text: str, **extra: Any) -> str | None:
    try:
        return client.chat_postMessage(channel=channel_id, text=text, **extra)["ts"]
    except SlackApiError:
        log.warning("could not answer in %s", channel_id, exc_info=True)
        return None
