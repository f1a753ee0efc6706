"""/codev: one command, subcommands by first word."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.slack.blocks.common import usage_message
from bot.slack.listeners.commands import group, journal, language, session, settings

log = logging.getLogger(__name__)

Subcommand = Callable[..., None]


def handle_codev(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, logger: logging.Logger
) -> None:
    text = (command.get("text") or "").strip()
    word, _, rest = text.partition(" ")
    word = word.lower()
    if word in ("", "help"):
        ack(**usage_message())
        return
    handler = SUBCOMMANDS.get(word)
    if handler is None:
        ack(**usage_message(unknown=word[:40]))
        return
    handler(ack=ack, command=command, rest=rest.strip(), context=context, client=client, logger=logger)


SUBCOMMANDS: dict[str, Subcommand] = {
    "start": session.start,
    "status": session.status,
    "nudges": settings.nudges,
    "quiet": settings.quiet,
    "journal": journal.journal,
    "forget-me": journal.forget_me,
    "group": group.group,
    "away": group.away,
    "language": language.language,
}
