"""Small builders shared by every message, and the one place texts are cut to Slack's limits."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from slack_sdk.models.blocks import SectionBlock

from bot.i18n import format_day, t

SECTION_TEXT_LIMIT = 3000
ELLIPSIS = "…"


def cut(text: str, limit: int) -> str:
    """Shorten text to Slack's limit with an ellipsis; slack_sdk.models would raise instead."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def slack_day(day: date | None) -> str:
    """A calendar day (a due date) as each reader says it ("tomorrow", "Dec 10, 2026"), the ISO date where Slack
    cannot format it. Slack formats a moment in the reader's zone: noon UTC is that day from UTC-12 to UTC+11."""
    if day is None:
        return "—"
    moment = datetime.combine(day, time(12), tzinfo=UTC)
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}}|{format_day(day)}>"


def section(text: str) -> SectionBlock:
    return SectionBlock(text={"type": "mrkdwn", "text": cut(text, SECTION_TEXT_LIMIT)})


def as_dicts(blocks: list[Any]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]


def usage_message(unknown: str | None = None) -> dict[str, Any]:
    """The ephemeral answer to /codev help, or to a subcommand codev does not know."""
    blocks = []
    if unknown is not None:
        blocks.append(section(t("unknown_command", command=unknown)))
    blocks.append(section(t("usage")))
    fallback = t("usage_fallback")
    if unknown is not None:
        fallback = t("unknown_command", command=unknown) + " " + fallback
    return {"response_type": "ephemeral", "text": fallback, "blocks": as_dicts(blocks)}


def escape(text: str) -> str:
    """Text typed in a modal or an input, made inert in mrkdwn (no <!channel>, no fake links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Slack's escaped text (slash commands, messages) back to what the person typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def without_mentions(message: Any, names: Mapping[str, str]) -> Any:
    """The same message with these people written by name ("@Carol"), not mentioned: Slack notifies a person
    for a mention anywhere in a new message, and they are outside their working hours."""
    if not names:
        return message
    if isinstance(message, str):
        return _MENTION.sub(lambda m: _name(m, names), message)
    if isinstance(message, list):
        return [without_mentions(item, names) for item in message]
    if isinstance(message, dict):
        result = {key: value if key == "metadata" else without_mentions(value, names) for key, value in message.items()}
        if message.get("type") in ("mrkdwn", "plain_text") and isinstance(result.get("text"), str):
            result["text"] = cut(result["text"], max(len(message["text"]), SECTION_TEXT_LIMIT))  # names are longer
        return result
    return message


def _name(match: re.Match[str], names: Mapping[str, str]) -> str:
    user_id = match.group(1)
    if user_id not in names:
        return match.group(0)
    return "@" + escape(names[user_id] or t("someone"))
