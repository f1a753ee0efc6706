"""The message shortcut "Save to my journal": any message, kept as a quote with its author and link."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n import t
from bot.slack import links
from bot.slack.blocks.common import cut
from bot.slack.context import services_of
from bot.slack.listeners.common import say_privately, team_of

log = logging.getLogger(__name__)


def save_to_journal(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    services = services_of(context)
    team_id, user_id = team_of(body), body["user"]["id"]
    message = body.get("message") or {}
    channel_id = (body.get("channel") or {}).get("id", "")
    text = (message.get("text") or "").strip()
    if not text:
        ack()
        say_privately(respond, t("journal_file_only"))
        return
    author = message.get("user") or message.get("bot_id")
    # Stored before Slack hears back: a process stopped right after the ack must not lose what was saved.
    entry = services.journal.add(
        team_id,
        user_id,
        text,
        origin="shortcut",
        source_channel_id=channel_id,
        source_ts=message.get("ts"),
        quote_author_id=author if author != user_id else None,
    )
    ack()
    if message.get("ts"):
        try:
            thread_ts = message.get("thread_ts")
            permalink = links.permalink(
                client, team_id, channel_id, message["ts"], thread_ts=thread_ts if isinstance(thread_ts, str) else None
            )
            services.journal.set_permalink(team_id, user_id, entry.id, permalink)
        except (SlackApiError, OSError) as error:  # the entry stands without its link
            log.info("no permalink for a saved message: %s", error)
    say_privately(respond, t("journal_shortcut_saved", text=cut(text, 200)))
    services.home.refresh(team_id, user_id)
