"""Buttons of a recurring session's kick-off, and of an action's follow-up DM."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.i18n import t
from bot.services.followups import ActionStatus
from bot.slack import ids
from bot.slack.blocks.modals import TOPIC_LIMIT, start_modal
from bot.slack.blocks.recurring import follow_up_modal
from bot.slack.context import Services, services_of
from bot.slack.listeners.common import (
    Refusal,
    clicked_value,
    explains_refusals,
    input_values,
    session_id_of,
    team_of,
)
from bot.slack.recurring import refresh_kickoff

log = logging.getLogger(__name__)


def _clicked(body: dict[str, Any], context: BoltContext) -> tuple[Services, str, str, int]:
    """(services, team, who clicked, kick-off id) from a kick-off button; a garbled value is refused."""
    kickoff_id = session_id_of(clicked_value(body).split(":")[0])
    if kickoff_id is None:
        raise Refusal(t("kickoff_unknown"))
    return services_of(context), team_of(body), body["user"]["id"], kickoff_id


@explains_refusals
def volunteer(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    try:  # the topic they typed is stored before Slack hears back: a stop right after the ack loses nothing
        services, team_id, user_id, kickoff_id = _clicked(body, context)
        topic = " ".join(str(input_values(body).get(ids.KICKOFF_TOPIC) or "").split())[:TOPIC_LIMIT]
        if not topic and services.kickoffs.get(team_id, kickoff_id).status == "open":
            raise Refusal(t("kickoff_topic_missing"))
        kickoff = services.kickoffs.volunteer(team_id, kickoff_id, user_id, topic)
    finally:
        ack()
    refresh_kickoff(services.client, services.kickoffs, kickoff)
    respond(
        text=t("kickoff_volunteered", facilitator=kickoff.facilitator_id),
        response_type="ephemeral",
        replace_original=False,
    )


@explains_refusals
def withdraw(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services, team_id, user_id, kickoff_id = _clicked(body, context)
    kickoff = services.kickoffs.withdraw(team_id, kickoff_id, user_id)
    refresh_kickoff(services.client, services.kickoffs, kickoff)


@explains_refusals
def pick(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services, team_id, user_id, kickoff_id = _clicked(body, context)
    picked = clicked_value(body).partition(":")[2]
    kickoff = services.kickoffs.pick(team_id, kickoff_id, user_id, picked)
    refresh_kickoff(services.client, services.kickoffs, kickoff)


@explains_refusals
def start(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Open the start modal filled in from the kick-off: the picked volunteer (or whose turn it is) as client."""
    ack()
    services, team_id, user_id, kickoff_id = _clicked(body, context)
    kickoff = services.kickoffs.may_start(team_id, kickoff_id, user_id)
    group = services.groups.group(team_id, kickoff.group_id)
    if group is None:
        raise Refusal(t("kickoff_unknown"))
    client_id = kickoff.picked_id or (kickoff.volunteers[0].user_id if len(kickoff.volunteers) == 1 else None)
    if client_id is None:
        turn = services.groups.next_turn(group, also_skip={kickoff.facilitator_id})
        client_id = turn.client_id if turn else None
    facilitator_id = kickoff.facilitator_id
    if client_id == facilitator_id:  # the facilitator brings the challenge: someone else holds the frame
        turn = services.groups.next_turn(group, also_skip={client_id})
        facilitator_id = turn.facilitator_id if turn else facilitator_id
    present = services.groups.present_members(group)
    consultants = [m for m in present if m not in (client_id, facilitator_id)]
    values = {"facilitator": facilitator_id, "client": client_id, "consultants": consultants}
    client.views_open(
        trigger_id=body["trigger_id"],
        view=start_modal(
            topic=kickoff.topic_of(client_id),
            user_id=user_id,
            channel_id=kickoff.channel_id,
            pace=group.pace,
            values=values,
            group_durations=group.durations,
            group_pace=group.pace,
            kickoff=kickoff.id,
            calendar=services.sessions.calendar_for(team_id, kickoff.channel_id, facilitator_id),
            charter_pending=group.not_accepted,
            charter_required=group.charter_required,
        ),
    )


@explains_refusals
def follow_up(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Done, Postponed or Dropped in a follow-up DM: a short modal for the date, a note and sharing."""
    ack()
    services, team_id, user_id = services_of(context), team_of(body), body["user"]["id"]
    action = body["actions"][0]
    action_item = services.followups.get(team_id, session_id_of(action.get("value")) or 0)
    if action_item is None or action_item.owner_id != user_id:
        raise Refusal(t("follow_up_gone"))
    status = {
        ids.FOLLOW_UP_DONE: ActionStatus.DONE,
        ids.FOLLOW_UP_POSTPONED: ActionStatus.POSTPONED,
        ids.FOLLOW_UP_DROPPED: ActionStatus.DROPPED,
    }[action["action_id"]]
    container = body.get("container") or {}
    client.views_open(
        trigger_id=body["trigger_id"],
        view=follow_up_modal(
            action_item, status, dm_channel=container.get("channel_id"), dm_ts=container.get("message_ts")
        ),
    )
