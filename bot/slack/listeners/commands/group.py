"""/codev group [stats] and /codev away <date>|back."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.calendar import zone
from bot.i18n import format_day, language_name, t, tn
from bot.services.languages import majority_language
from bot.services.tasks import TaskKind
from bot.slack.blocks.modals import group_modal
from bot.slack.blocks.recurring import cadence_text
from bot.slack.blocks.session import slack_date
from bot.slack.channels import channel_warning
from bot.slack.context import services_of


def group(
    ack: Ack, command: dict[str, Any], rest: str, context: BoltContext, client: WebClient, logger: logging.Logger
) -> None:
    services = services_of(context)
    team_id, channel_id = command["team_id"], command["channel_id"]
    existing = services.groups.of_channel(team_id, channel_id)
    if rest.lower() == "stats":
        ack(response_type="ephemeral", text=_stats(services, existing) if existing else t("group_none"))
        return
    if channel_id.startswith("D"):
        ack(response_type="ephemeral", text=t("start_in_dm"))
        return
    ack()

    # Cached facts only: the modal must open within the trigger's 3 seconds.
    facts = services.people.cached(team_id, command["user_id"])

    shown = existing
    if existing is not None and existing.cadence is not None:
        # The rhythm is kept from any of its dates: propose the next one, not a first date now past.
        cadence = existing.cadence
        upcoming = cadence.next_after(services.clock.now()).astimezone(zone(cadence.tz)).date()
        shown = replace(existing, cadence=replace(cadence, first=upcoming))

    # What the channel reads when its language is automatic: the language most members read (the creator's, for
    # a new group).
    members = existing.members if existing else [command["user_id"]]
    most_members = majority_language(services.languages.people(team_id, members).values())

    def modal(tz: str | None, warning: str | None = None) -> dict[str, Any]:
        return group_modal(
            channel_id=channel_id,
            group=shown,
            user_id=command["user_id"],
            tz=tz,
            warning=warning,
            most_members=most_members,
        )

    # Open first (the trigger expires in 3 seconds), then warn about a public or shared channel, and propose the
    # person's own time zone for the working hours if codev did not know it yet.
    known = facts.tz if facts else None
    opened = client.views_open(trigger_id=command["trigger_id"], view=modal(known))["view"]
    warning = channel_warning(client, channel_id)
    warning = warning if warning != "not_member" else None
    tz = known
    if tz is None and (existing is None or existing.calendar is None):
        looked_up = services.people.lookup(team_id, command["user_id"])
        tz = looked_up.tz if looked_up else None
    if warning or tz != known:
        try:
            client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=modal(tz, warning))
        except SlackApiError as error:
            # hash_conflict: the person already changed the modal; what they typed stands.
            logger.info("group modal not updated: %s", error.response.get("error"))


def _stats(services: Any, existing: Any) -> str:
    record = services.groups.record(existing)
    lines = [tn("group_stats_header", record.sessions_held, name=existing.name)]
    if existing.cadence is not None:
        upcoming = services.tasks.pending_due(TaskKind.KICKOFF, existing.id)
        lines.append(
            t(
                "group_stats_cadence",
                rhythm=cadence_text(existing.cadence),
                moment=slack_date(upcoming) if upcoming else "—",
            )
        )
    spoken = services.languages.group(existing.team_id, existing.channel_id)
    key = "group_stats_language" if existing.language else "group_stats_language_auto"
    lines.append(t(key, language=language_name(spoken)))
    for member in record.members:

        def role(name: str, m: Any = member) -> str:
            if name in m.last:
                return t(f"group_stats_{name}_last", count=m.counts[name], date=format_day(m.last[name]))
            return t(f"group_stats_{name}", count=m.counts[name])

        lines.append(
            t(
                "group_stats_line",
                user=member.user_id,
                client=role("client"),
                consultant=role("consultant"),
                facilitator=role("facilitator"),
            )
        )
    return "\n".join(lines)


def away(
    ack: Ack, command: dict[str, Any], rest: str, context: BoltContext, client: WebClient, logger: logging.Logger
) -> None:
    services = services_of(context)
    word = rest.strip().lower()
    until: date | None
    if word == "back":
        until = None
    else:
        try:
            until = date.fromisoformat(word)
        except ValueError:
            ack(response_type="ephemeral", text=t("away_usage"))
            return
    if not services.groups.set_away(command["team_id"], command["channel_id"], command["user_id"], until):
        ack(response_type="ephemeral", text=t("away_not_member"))
        return
    ack(response_type="ephemeral", text=t("away_back") if until is None else t("away_set", date=format_day(until)))
