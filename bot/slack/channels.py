"""What codev must know about a channel before it runs sessions there."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n import t


def channel_warning(client: WebClient, channel_id: str) -> str | None:
    """'not_member', a confidentiality warning for public or shared channels, or None."""
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        if error.response.get("error") == "channel_not_found":
            return "not_member"  # a private channel codev is not in looks like this
        raise
    if not channel.get("is_member", False):
        return "not_member"
    if channel.get("is_ext_shared") or channel.get("is_shared"):
        return t("start_confidential_shared", channel=channel_id)
    if not channel.get("is_private", False):
        return t("start_confidential_public", channel=channel_id)
    return None
