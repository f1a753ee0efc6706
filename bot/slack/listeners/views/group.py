"""The group modal: members, charter, usual pace. New members get the charter to accept."""

from __future__ import annotations

from datetime import time
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk.models.blocks import ButtonElement

from bot.app import services_of
from bot.domain.calendar import QuietHours
from bot.domain.roles import peer_count_is_usual
from bot.domain.steps import Pace
from bot.messages import t
from bot.slack import ids
from bot.slack.blocks.session import private_note
from bot.slack.listeners.common import input_values, metadata_of, team_of


def submit_group(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    team_id, user_id = team_of(body), body["user"]["id"]
    values = input_values(view)
    channel_id = metadata_of(view).get("channel") or ""
    name = " ".join((values.get("name") or "").split())[:100]
    charter = (values.get("charter") or "").strip() or t("group_default_charter")
    members = list(dict.fromkeys(values.get("members") or []))
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = t("error_topic_empty")
    for member in members:
        facts = services.people.lookup(team_id, member)
        if facts is None or facts.is_bot or facts.deleted:
            reason = "role_unknown_user" if facts is None else "role_is_bot" if facts.is_bot else "role_is_deactivated"
            errors["members"] = t(reason, user=member)
            break
    if not members:
        errors["members"] = t("role_missing_consultants")
    elif not peer_count_is_usual(len(members)) and "confirm" not in (values.get("group_size") or []):
        errors["group_size"] = t("group_size_error", count=len(members))
    if not channel_id:
        errors["name"] = t("error_channel_missing")
    quiet_ends = (values.get("quiet_start"), values.get("quiet_end"))
    quiet = None
    if any(quiet_ends) and not all(quiet_ends):
        errors["quiet_end"] = t("group_quiet_error")
    elif all(quiet_ends):
        quiet = QuietHours(time.fromisoformat(str(quiet_ends[0])), time.fromisoformat(str(quiet_ends[1])))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    group, new_members = services.groups.save(team_id, channel_id, name=name, charter=charter,
                                              pace=Pace.parse(values.get("pace")), members=members, by=user_id,
                                              quiet=quiet)
    # Everyone who has not accepted this charter gets it (all members when the charter changed).
    del new_members  # the charter goes to everyone who has not accepted it, new or not
    for member in group.not_accepted:
        button = ButtonElement(text=t("group_charter_accept"), action_id=ids.CHARTER_ACCEPT, value=str(group.id),
                               style="primary")
        text = t("group_charter_dm", name=group.name, channel=group.channel_id, charter=group.charter)
        services.publisher.dm(member, **private_note(text, button=button))
    services.publisher.dm(user_id, text=t("group_saved", name=group.name, count=len(group.members)))
