"""/codev start and /codev status."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n import t
from bot.slack.blocks.common import unescape
from bot.slack.blocks.modals import notice_view, start_modal
from bot.slack.blocks.session import status_message
from bot.slack.channels import channel_warning
from bot.slack.context import services_of


def start(
    ack: Ack, command: dict[str, Any], rest: str, context: BoltContext, client: WebClient, logger: logging.Logger
) -> None:
    channel_id = command.get("channel_id", "")
    if channel_id.startswith("D") or command.get("channel_name") == "directmessage":
        ack(response_type="ephemeral", text=t("start_in_dm"))
        return
    ack()
    user_id = command["user_id"]
    rest = unescape(rest)  # Slack sends &, < and > escaped; the modal shows plain text
    prefill = _whose_turn(context, command.get("team_id", ""), channel_id)
    # The calendar async timeboxes would count in: the modal says how long a working day is, and scales defaults.
    facilitator_id = prefill.get("values", {}).get("facilitator") or user_id
    prefill["calendar"] = services_of(context).sessions.calendar_for(
        command.get("team_id", ""), channel_id, facilitator_id
    )
    # Open first: a trigger_id lives 3 seconds. Check the channel afterwards and update the modal.
    opened = client.views_open(
        trigger_id=command["trigger_id"],
        view=start_modal(topic=rest, user_id=user_id, channel_id=channel_id, **prefill),
    )
    view = opened["view"]
    warning = channel_warning(client, channel_id)
    if warning is None:
        return
    if warning == "not_member":
        replacement = notice_view(t("start_not_in_channel_title"), t("start_not_in_channel", channel=channel_id))
    else:
        replacement = start_modal(topic=rest, user_id=user_id, channel_id=channel_id, warning=warning, **prefill)
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=replacement)
    except SlackApiError as error:
        # hash_conflict: the person already moved on in the modal; the check runs again on submit.
        logger.info("start modal not updated: %s", error.response.get("error"))


def _whose_turn(context: BoltContext, team_id: str, channel_id: str) -> dict[str, Any]:
    """In a group's channel the modal proposes whose turn it is; the facilitator can change any of it."""
    services = services_of(context)
    group = services.groups.of_channel(team_id, channel_id)
    if group is None:
        return {}
    # Members away, gone from the workspace or out of the channel are skipped. Only what codev already knows
    # is used (no Slack call): the modal must open within the trigger's 3 seconds.
    turn = services.groups.next_turn(group)
    prefill: dict[str, Any] = {"pace": group.pace, "group_durations": group.durations, "group_pace": group.pace}
    # The facilitator sees who has not accepted the group's charter yet.
    prefill["charter_pending"], prefill["charter_required"] = group.not_accepted, group.charter_required
    if turn is not None:
        prefill["values"] = {
            "facilitator": turn.facilitator_id,
            "client": turn.client_id,
            "consultants": turn.consultant_ids,
        }
    return prefill


def status(
    ack: Ack, command: dict[str, Any], rest: str, context: BoltContext, client: WebClient, logger: logging.Logger
) -> None:
    services = services_of(context)
    running = services.sessions.running_in(command.get("team_id", ""), command.get("channel_id", ""))
    ack(**status_message(running, services.clock.now()))
